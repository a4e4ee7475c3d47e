package rabbit

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/transport"
)

func TestHeartbeat(t *testing.T) {
	tests := []struct {
		threshold time.Duration
		checked   bool
		want      time.Duration
	}{
		{60 * time.Second, true, 60 * time.Second},
		{60 * time.Second, false, 40 * time.Second},        // amqp091 drops it after 1.5 × 40 s = 60 s
		{10500 * time.Millisecond, true, 10 * time.Second}, // whole seconds, rounded down
		{10 * time.Second, false, 6 * time.Second},         // 6.67 s rounds down: 9 s, within 10 s
		{500 * time.Millisecond, true, time.Second},        // the floor
		{0, true, 0}, // off
		{0, false, 0},
	}
	for _, tt := range tests {
		if got := brokerHeartbeat(tt.threshold, tt.checked); got != tt.want {
			t.Errorf("brokerHeartbeat(%v, checked %v): got %v, want %v", tt.threshold, tt.checked, got, tt.want)
		}
	}
}

func hosts(names ...string) []transport.Host {
	var hs []transport.Host
	for _, n := range names {
		hs = append(hs, transport.Host{Hostname: n, Port: 5672})
	}
	return hs
}

// perms returns the given orders, one per round.
func perms(orders ...[]int) func(int) []int {
	return func(int) []int {
		p := orders[0]
		orders = orders[1:]
		return p
	}
}

func TestHostOrder(t *testing.T) {
	tests := []struct {
		name     string
		strategy string
		perm     func(int) []int
		want     string
	}{
		{"round-robin continues after the last", RoundRobin, nil, "a b c a b c a"},
		{"shuffle: a new order each round", Shuffle, perms([]int{2, 0, 1}, []int{1, 2, 0}, []int{0, 1, 2}), "c a b b c a a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newHostOrder(hosts("a", "b", "c"), tt.strategy, tt.perm)
			var got []string
			for range 7 {
				got = append(got, o.take().Hostname)
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("got %q, want %q", strings.Join(got, " "), tt.want)
			}
		})
	}
}

// TestDialFailover dials two brokers of which the first refuses: each
// call makes one attempt, on the host the strategy names.
func TestDialFailover(t *testing.T) {
	refusing, good := brokertest.Proxy(t), brokertest.Proxy(t)
	refusing.Refuse()
	bad := refusing.Addr()
	tests := []struct {
		name     string
		strategy string
		perm     func(int) []int
		want     []string
	}{
		{"round-robin", RoundRobin, nil, []string{bad, good.Addr(), bad, good.Addr()}},
		{"shuffle", Shuffle, perms([]int{1, 0}, []int{0, 1}), []string{good.Addr(), bad, bad, good.Addr()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := brokerURL(t, bad, good.Addr())
			o := fastOptions()
			o.FailoverStrategy = tt.strategy
			d := newDialer(u, o, nil, "test")
			d.order = newHostOrder(u.Hosts, tt.strategy, tt.perm)
			for i, want := range tt.want {
				c, h, err := d.dial(context.Background())
				if h.Addr() != want {
					t.Errorf("attempt %d: got host %s, want %s", i+1, h.Addr(), want)
				}
				switch {
				case want == bad && err == nil:
					t.Errorf("attempt %d on the refusing host: got a connection", i+1)
				case want != bad && err != nil:
					t.Errorf("attempt %d on the good host: %v", i+1, err)
				}
				if c != nil {
					c.Close()
				}
			}
		})
	}
}

func TestConnectorErrorNamesHostNotPassword(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a port nobody listens on
	u := brokerURL(t, addr)
	u.Hosts[0].Password = "s3cret"
	_, err = newDialer(u, fastOptions(), nil, "test").connector()(context.Background())
	if err == nil || !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("got %v, want an error naming %s without the password", err, addr)
	}
}

func TestDialNegotiatesHeartbeat(t *testing.T) {
	o := fastOptions()
	o.Heartbeat = 6 * time.Second
	c, _, err := newDialer(brokerURL(t), o, nil, "test").dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Config.Heartbeat != 6*time.Second {
		t.Errorf("negotiated heartbeat: got %v, want 6s (the threshold, as oslo asks)", c.Config.Heartbeat)
	}
}

func TestDialHonoursContext(t *testing.T) {
	p := brokertest.Proxy(t)
	p.Silence() // accepts, never answers the handshake
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := newDialer(brokerURL(t, p.Addr()), fastOptions(), nil, "test").dial(ctx)
	if err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("got %v after %v, want an error soon after ctx ends", err, time.Since(start))
	}
}
