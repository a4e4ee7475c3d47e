package osloconf

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestOptionTable checks options_table.go against the installed
// oslo.messaging: regenerate with go generate when this fails after an
// upgrade (and review what changed).
func TestOptionTable(t *testing.T) {
	needOslo(t)
	out, err := exec.Command(python, "-c", "import importlib.metadata as m; print(m.version('oslo.messaging'))").Output()
	if err != nil {
		t.Fatal(err)
	}
	if v := strings.TrimSpace(string(out)); v != MessagingVersion {
		t.Skipf("installed oslo.messaging is %s, the table is of %s", v, MessagingVersion)
	}
	want, err := exec.Command(python, "gen_options.py", "-").Output()
	if err != nil {
		t.Fatalf("gen_options.py: %v", err)
	}
	got, err := os.ReadFile("options_table.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("options_table.go differs from what gen_options.py makes of the installed oslo.messaging: run go generate")
	}
}

func TestOptions(t *testing.T) {
	counts := map[string]int{}
	for _, o := range Options() {
		counts[o.Group]++
	}
	want := map[string]int{"DEFAULT": 8, "oslo_messaging_amqp": 38, "oslo_messaging_notifications": 5,
		"oslo_messaging_rabbit": 32, "oslo_messaging_kafka": 17, "oslo_messaging_metrics": 5}
	for g, n := range want {
		if counts[g] != n {
			t.Errorf("group %s: got %d options, want %d", g, counts[g], n)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("got groups %v, want %v", counts, want)
	}
	if got := Groups(); len(got) != len(want) || got[0] != DefaultGroup {
		t.Errorf("Groups: got %v, want %d groups, DEFAULT first", got, len(want))
	}
	for _, name := range []string{"rabbit_max_retries", "executor"} {
		if _, ok := GroupOf(name); ok {
			t.Errorf("GroupOf(%q): got an option, want none in oslo.messaging %s", name, MessagingVersion)
		}
	}
}

func TestGroupOf(t *testing.T) {
	tests := []struct{ name, want string }{
		{"transport_url", "[DEFAULT] transport_url"},
		{"rpc_response_timeout", "[DEFAULT] rpc_response_timeout"},
		{"rpc_conn_pool_size", "[oslo_messaging_rabbit] rpc_conn_pool_size"},
		{"conn_pool_ttl", "[oslo_messaging_rabbit] conn_pool_ttl"},
		{"heartbeat_rate", "[oslo_messaging_rabbit] heartbeat_rate"},
		{"rabbit_quorum_max_memory_length", "[oslo_messaging_rabbit] rabbit_quroum_max_memory_length"},
		{"driver", ""},
	}
	for _, tc := range tests {
		n, ok := GroupOf(tc.name)
		got := ""
		if ok {
			got = n.String()
		}
		if got != tc.want {
			t.Errorf("GroupOf(%q): got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestLookupOption(t *testing.T) {
	o, ok := LookupOption("OSLO_MESSAGING_RABBIT", "heartbeat_rate")
	if !ok || o.Kind != Int || o.Default != "2" {
		t.Errorf("heartbeat_rate: got %+v, %v, want an Int defaulting to 2 (oslo.messaging 14.0.3's default)", o, ok)
	}
	o, ok = LookupOption("DEFAULT", "transport_url")
	if !ok || !o.Secret {
		t.Errorf("transport_url: got %+v, %v, want a secret option", o, ok)
	}
	if _, ok := LookupOption("default", "transport_url"); ok {
		t.Error("[default] transport_url: got an option, want none: [default] is not [DEFAULT]")
	}
}
