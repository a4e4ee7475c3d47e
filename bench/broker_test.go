package bench

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/transport"
)

// TestProbeUnreachable: a broker that does not answer is one error naming
// the URL without its password, and the cause.
func TestProbeUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, err = Probe(t.Context(), "rabbit://user:s3cret@"+addr+"/")
	var u *UnreachableError
	if !errors.As(err, &u) || !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Probe = %v, want an *UnreachableError", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "cannot reach RabbitMQ at rabbit://user:***@"+addr+"/: ") ||
		strings.Contains(msg, "s3cret") || strings.Contains(msg, "\n") {
		t.Errorf("error = %q, want one line naming the redacted URL and the cause", msg)
	}
	_, err = Run(t.Context(), Workload{URL: "rabbit://" + addr, Executor: "pool", Messages: 1})
	if !errors.As(err, &u) {
		t.Errorf("Run on an unreachable broker = %v, want an *UnreachableError", err)
	}
}

func TestAMQPURI(t *testing.T) {
	tests := []struct{ url, want string }{
		{"rabbit://h", "amqp://guest:guest@h:5672/"},
		{"rabbit://u:p%40ss@h:5673/vh", "amqp://u:p%40ss@h:5673/vh"},
		{"amqps://u:p@h/", "amqps://u:p@h:5671/"},
		{"rabbit://a:b@h1,c:d@h2:5000/%2Fv", "amqp://a:b@h1:5672/%2Fv"},
	}
	for _, tt := range tests {
		parsed, err := transport.ParseURL(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := amqpURI(parsed, parsed.Hosts[0]); got != tt.want {
			t.Errorf("amqpURI(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

// TestRunRabbit runs every strategy in each mode against RabbitMQ. It
// needs a broker (AMQP_URL, default guest@127.0.0.1) and skips without one.
func TestRunRabbit(t *testing.T) {
	url := brokertest.URL(t)
	for _, w := range []Workload{
		{Mode: Cast, Messages: 300},
		{Mode: Call, Messages: 100, Publishers: 4},
		{Mode: Fanout, Messages: 100},
		{Mode: Cast, Messages: 300, Prefill: true, Ack: "before"},
		{Mode: Call, Messages: 100, Prefill: true},
	} {
		for _, name := range strategies() {
			w.Executor, w.URL = name, url
			t.Run(fmt.Sprintf("%s/%s/prefill=%v", w.Mode, name, w.Prefill), func(t *testing.T) {
				r, err := Run(t.Context(), w)
				if err != nil {
					t.Fatalf("Run = %v", err)
				}
				want := int64(w.Messages)
				if w.Mode == Fanout {
					want *= 2
				}
				if r.Messages != want || r.MsgsPerSec <= 0 {
					t.Errorf("Messages, MsgsPerSec = %d, %v, want %d, > 0", r.Messages, r.MsgsPerSec, want)
				}
			})
		}
	}
}
