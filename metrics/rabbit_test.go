package metrics_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/internal/faultproxy"
)

// TestReadyzWhileConnectionCut reads /readyz over HTTP while the server's
// connection to RabbitMQ is cut and new ones refused: ready, then not
// ready while it reconnects, then ready again, with the loss and the
// reconnect counted in /metrics.
func TestReadyzWhileConnectionCut(t *testing.T) {
	addr := brokertest.Addr(t)
	proxy, err := faultproxy.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() }) // after the server has stopped
	u, _ := url.Parse(brokertest.URL(t))
	u.Scheme, u.Host = "rabbit", proxy.Addr()
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = u.String()
	cfg.RabbitRetryInterval = rpcexec.Duration(200 * time.Millisecond)
	cfg.RabbitRetryBackoff = rpcexec.Duration(200 * time.Millisecond)
	cfg.RabbitIntervalMax = rpcexec.Duration(500 * time.Millisecond)
	topic := brokertest.Topic(t, "s1")
	s := serve(t, cfg, topic)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got int
	if err := s.client.Call(ctx, "echo", map[string]int{"value": 1}, &got); err != nil {
		t.Fatal(err)
	}
	awaitReadyz(t, s, http.StatusOK, "before the cut")

	proxy.Refuse()
	proxy.Cut()
	awaitReadyz(t, s, http.StatusServiceUnavailable, "while the connection is cut and reconnects are refused")
	if s.srv.Ready() {
		t.Error("Server.Ready: got true while reconnecting")
	}
	proxy.Allow()
	awaitReadyz(t, s, http.StatusOK, "once reconnected")

	_, body := s.get(t, "/metrics")
	for _, name := range []string{"rpcexec_connections_lost_total", "rpcexec_reconnects_total"} {
		if n := metricValue(t, body, name); n < 1 {
			t.Errorf("%s: got %v, want ≥ 1", name, n)
		}
	}
	if err := s.client.Call(ctx, "echo", map[string]int{"value": 2}, &got); err != nil || got != 2 {
		t.Errorf("echo after the reconnect: got %d, %v", got, err)
	}
}

// awaitReadyz polls /readyz until it answers want, for at most 20 s.
func awaitReadyz(t *testing.T, s *served, want int, when string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := s.get(t, "/readyz")
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz %s: got %d %q for 20 s, want %d", when, code, body, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metricValue reads one series' value from a /metrics body.
func metricValue(t *testing.T, body, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + `\{[^}]*\} (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("/metrics has no %s", name)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
