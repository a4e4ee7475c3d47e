package sim

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/wire"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) // ants' default pool
}

// serve starts the simulator's server on a bus of the test's own and
// returns a client for it; cleanup stops both and returns the counts.
func serve(t *testing.T, version string) (*rpcexec.Client, func() map[string]int64) {
	t.Helper()
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = "memory://" + wire.NewID()
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan struct{})
	type result struct {
		counts map[string]int64
		err    error
	}
	done := make(chan result, 1)
	go func() {
		counts, err := Serve(ctx, cfg, rpcexec.Target{Topic: "sim", Server: "s1"}, version, func() { close(ready) })
		done <- result{counts, err}
	}()
	select {
	case <-ready:
	case r := <-done:
		t.Fatalf("Serve = %v before it was ready", r.err)
	}
	c, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	stop := func() map[string]int64 {
		c.Close()
		cancel()
		r := <-done
		if r.err != nil {
			t.Errorf("Serve = %v", r.err)
		}
		return r.counts
	}
	return c, stop
}

func TestEndpoint(t *testing.T) {
	c, stop := serve(t, "1.3")
	ctx := t.Context()
	send := func(method, args string) (*Summary, error) {
		return Send(ctx, c, Request{Method: method, Args: json.RawMessage(args), Messages: 1, Version: "1.2"})
	}
	tests := []struct {
		method, args, reply string
	}{
		{MethodEcho, `{"value": {"a": [1, "two", null]}}`, `{"a":[1,"two",null]}`},
		{MethodEcho, `{"value": 42}`, `42`},
		{MethodEcho, `{}`, `null`},
		{MethodSleep, `{"seconds": 0.01}`, `0.01`},
	}
	for _, tt := range tests {
		s, err := send(tt.method, tt.args)
		if err != nil || s.FirstErr != nil || string(s.Reply) != tt.reply {
			t.Errorf("%s(%s) = %s, %v, %v; want %s", tt.method, tt.args, s.Reply, s.FirstErr, err, tt.reply)
		}
	}
	s, err := send(MethodFail, `{"message": "it broke"}`)
	var remote *dispatch.Error
	if err != nil || !errors.As(s.FirstErr, &remote) || remote.Error() != "ValueError: it broke" || remote.Module != "builtins" {
		t.Errorf("fail = %v, %v; want a remote ValueError: it broke", s.FirstErr, err)
	}
	s, _ = send(MethodStats, `{}`)
	var counts map[string]int64
	if err := json.Unmarshal(s.Reply, &counts); err != nil || counts[MethodEcho] != 3 || counts[MethodFail] != 1 ||
		counts[MethodSleep] != 1 || counts[MethodStats] != 0 {
		t.Errorf("stats() = %s, %v; want echo 3, fail 1, sleep 1, stats 0", s.Reply, err)
	}
	s, _ = Send(ctx, c, Request{Method: MethodEcho, Messages: 1, Version: "2.0"})
	if !errors.Is(s.FirstErr, dispatch.ErrUnsupportedVersion) {
		t.Errorf("echo at 2.0 = %v, want UnsupportedVersion", s.FirstErr)
	}
	if got := stop(); got[MethodStats] != 1 || got[MethodEcho] != 3 {
		t.Errorf("counts at stop = %v", got)
	}
}

// TestSendPaced: a stream of casts and calls at a rate takes about as
// long as the rate says and counts every send.
func TestSendPaced(t *testing.T) {
	c, stop := serve(t, "1.0")
	defer stop()
	start := time.Now()
	s, err := Send(t.Context(), c, Request{Method: MethodEcho, Args: json.RawMessage(`{"value": 1}`), Messages: 10, Rate: 100})
	if err != nil || s.Sent != 10 || s.Failed != 0 || s.RoundTrip.Count() != 10 {
		t.Fatalf("Send = %+v, %v", s, err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("10 calls at 100/s took %v, want ≥ 90ms", d)
	}
	s, err = Send(t.Context(), c, Request{Method: MethodEcho, Messages: 5, Cast: true})
	if err != nil || s.Sent != 5 || s.RoundTrip.Count() != 0 {
		t.Errorf("casts = %+v, %v", s, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	s, err = Send(ctx, c, Request{Method: MethodEcho, Messages: 1000, Rate: 10})
	if !errors.Is(err, context.DeadlineExceeded) || s.Sent == 0 || s.Sent > 2 {
		t.Errorf("interrupted Send = %d sent, %v; want 1 or 2 and DeadlineExceeded", s.Sent, err)
	}
}
