package rabbit

import (
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/transport"
)

func TestResolveFillsMeaninglessZeros(t *testing.T) {
	o, err := resolve(Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultOptions()
	if o.HeartbeatRate != def.HeartbeatRate || o.RetryInterval != def.RetryInterval ||
		o.IntervalMax != def.IntervalMax || o.FailoverStrategy != def.FailoverStrategy ||
		o.ConnPoolSize != def.ConnPoolSize || o.Logger == nil {
		t.Errorf("got %+v, want the defaults of the fields with no meaningful zero", o)
	}
	if o.Heartbeat != 0 || o.PublishRetry != 0 || o.RetryBackoff != 0 {
		t.Errorf("got Heartbeat %v, PublishRetry %d, RetryBackoff %v; want the zeros kept",
			o.Heartbeat, o.PublishRetry, o.RetryBackoff)
	}
}

func TestResolveQueryOverrides(t *testing.T) {
	q, _ := url.ParseQuery("ssl=yes&heartbeat_timeout_threshold=30&rabbit_retry_backoff=0" +
		"&kombu_failover_strategy=shuffle&amqp_durable_queues=1&rpc_conn_pool_size=5&ssl_version=tlsv1")
	o := DefaultOptions()
	o.Logger = slog.New(slog.DiscardHandler) // ssl_version is ignored with a warning
	o, err := resolve(o, q)
	if err != nil {
		t.Fatal(err)
	}
	if !o.TLS.Enabled || o.Heartbeat != 30*time.Second || o.RetryBackoff != 0 ||
		o.FailoverStrategy != Shuffle || !o.Queues.Durable || o.ConnPoolSize != 5 {
		t.Errorf("got %+v, want the transport.URL's values", o)
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name  string
		o     Options
		query string
		want  string
	}{
		{"bad bool", DefaultOptions(), "ssl=maybe", "ssl"},
		{"bad seconds", DefaultOptions(), "rabbit_retry_interval=1s", "rabbit_retry_interval"},
		{"bad strategy", DefaultOptions(), "kombu_failover_strategy=random", "kombu_failover_strategy"},
		{"quorum and auto-delete", Options{Queues: transport.QueueFlags{Quorum: true, AutoDelete: true}}, "", "cannot auto-delete"},
		{"publish retry", Options{PublishRetry: -2}, "", "-1 (forever)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			_, err := resolve(tt.o, q)
			if !errors.Is(err, ErrBadOptions) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrBadOptions mentioning %q", err, tt.want)
			}
		})
	}
}

// TestResolveQueryParsesAsOslo: URL options convert as oslo.config
// converts them in a file (osloconf's conversions), and oslo.messaging
// 14.0.3's spelling of the quorum memory options is accepted.
func TestResolveQueryParsesAsOslo(t *testing.T) {
	q, _ := url.ParseQuery("amqp_durable_queues=On&rpc_conn_pool_size=+1_0&rabbit_quroum_max_memory_length=7" +
		"&rabbit_quroum_max_memory_bytes=8&heartbeat_rate=%202%20")
	o, err := resolve(DefaultOptions(), q)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Queues.Durable || o.ConnPoolSize != 10 || o.HeartbeatRate != 2 ||
		o.Queues.Limits.MaxMemoryLength != 7 || o.Queues.Limits.MaxMemoryBytes != 8 {
		t.Errorf("got durable %v, pool %d, rate %d, limits %+v; want true, 10, 2, {7 8}",
			o.Queues.Durable, o.ConnPoolSize, o.HeartbeatRate, o.Queues.Limits)
	}
}
