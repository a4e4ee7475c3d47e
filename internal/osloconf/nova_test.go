package osloconf

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// implementedByRPCExec are the yaml keys of rpcexec.Config that are
// oslo.messaging options, as the root loader would pass them to Unused.
var implementedByRPCExec = []string{"transport_url", "control_exchange", "executor_thread_pool_size",
	"rabbit_qos_prefetch_count", "rpc_response_timeout", "heartbeat_timeout_threshold", "heartbeat_rate",
	"rabbit_retry_interval", "rabbit_retry_backoff", "rabbit_interval_max", "kombu_failover_strategy",
	"rpc_conn_pool_size", "amqp_durable_queues", "amqp_auto_delete", "rabbit_quorum_queue", "ssl",
	"ssl_ca_file", "ssl_cert_file", "ssl_key_file",
	"executor", "ack_policy", "poll_timeout"} // rpcexec's own: not options, ignored

func TestNovaConf(t *testing.T) {
	nova := filepath.Join("testdata", "nova.conf")
	c, err := Load(nova)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err: got %v, want none (the service's own sections are not ours)", err)
	}
	tests := []struct {
		name, want string
		line       int
	}{
		{"transport_url", "rabbit://nova:secret@ctl1:5672,nova:secret@ctl2:5672/", 9},
		{"rpc_response_timeout", "120", 10},
		{"executor_thread_pool_size", "32", 11},
		{"amqp_durable_queues", "true", 46},
		{"rabbit_ha_queues", "true", 47},
		{"heartbeat_timeout_threshold", "30", 48},
		{"heartbeat_rate", "3", 49},
		{"kombu_failover_strategy", "shuffle", 52},
		{"rabbit_qos_prefetch_count", "64", 53},
		{"ssl", "false", 55},
	}
	for _, tc := range tests {
		v, ok := c.Get(tc.name)
		if !ok {
			t.Errorf("Get(%q): got nothing, want %s", tc.name, tc.want)
			continue
		}
		if got := show(v); got != tc.want {
			t.Errorf("Get(%q): got %s, want %s", tc.name, got, tc.want)
		}
		if o := v.Origin(); o.File != nova || o.Line != tc.line || o.Key != tc.name {
			t.Errorf("Get(%q).Origin(): got %s, want %s:%d", tc.name, o, nova, tc.line)
		}
	}
	if v, _ := c.Lookup("oslo_messaging_notifications", "driver"); show(v) != `["messagingv2"]` {
		t.Errorf("notifications driver: got %s, want [messagingv2]", show(v))
	}
	if v, _ := c.Lookup("oslo_messaging_notifications", "topics"); show(v) != `["notifications" "notifications_designate"]` {
		t.Errorf("notifications topics: got %s, want the two topics of the continued line", show(v))
	}
	if _, ok := c.Get("my_ip"); ok {
		t.Error(`Get("my_ip"): got a value, want none: nova's own option`)
	}
	got := c.Unused(implementedByRPCExec...)
	want := []string{"oslo_messaging_notifications.driver", "oslo_messaging_notifications.topics",
		"oslo_messaging_rabbit.rabbit_ha_queues"}
	if !slices.Equal(got, want) {
		t.Errorf("Unused:\ngot  %q\nwant %q", got, want)
	}
}

func TestNovaConfWithOverride(t *testing.T) {
	override := filepath.Join("testdata", "nova-override.conf")
	c, err := Load(filepath.Join("testdata", "nova.conf"), override)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := c.Get("rpc_response_timeout")
	if got := show(v); got != "90" || v.Origin().File != override {
		t.Errorf("rpc_response_timeout: got %s from %s, want 90 from %s", got, v.Origin().File, override)
	}
	v, _ = c.Get("heartbeat_rate")
	if got := show(v); got != "4" || v.Origin().Section != "OSLO_MESSAGING_RABBIT" {
		t.Errorf("heartbeat_rate: got %s from [%s], want 4 from [OSLO_MESSAGING_RABBIT]", got, v.Origin().Section)
	}
	v, _ = c.Lookup("oslo_messaging_notifications", "driver")
	if got := show(v); got != `["messagingv2" "log"]` {
		t.Errorf("driver: got %s, want both files' drivers", got)
	}
}

func TestLoadMissingFiles(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "nova.conf"), "/nonexistent/a.conf", "/nonexistent/b.conf")
	if err == nil {
		t.Fatal("got no error, want both missing files named")
	}
	for _, want := range []string{"/nonexistent/a.conf", "/nonexistent/b.conf"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to name %s", err, want)
		}
	}
}

func TestLoadSyntaxError(t *testing.T) {
	paths := writeFiles(t, []string{"[DEFAULT]\ndebug = true\n", "[DEFAULT]\n\n  indented\n"})
	_, err := Load(paths...)
	var se *SyntaxError
	if !errors.As(err, &se) || se.File != paths[1] || se.Line != 3 {
		t.Fatalf("got %v, want a *SyntaxError at %s:3", err, paths[1])
	}
}
