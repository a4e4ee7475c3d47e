package rpcexec_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/executor"
)

// load is the endpoint of the fault tests: "record" tallies ids and runs
// fault, once, inside the handler of the first message handled once the
// load is armed and half (at) are handled, so the fault strikes with that
// message handled and not yet acknowledged; "marker" signals that
// everything queued before it has been delivered; "echo" answers calls,
// and "hold" answers only after the fault, so that its reply is published
// through the fault.
type load struct {
	seen    *tally
	handled atomic.Int64
	at      int64
	fault   func()
	fired   atomic.Bool
	faultID atomic.Int64
	armed   chan struct{} // closed by arm: the fault may strike
	struck  chan struct{} // closed when fault has run
	holding chan struct{} // closed when a hold call has started
	marked  chan struct{} // closed when the marker is handled
	onces   [3]sync.Once
}

func newLoad(n int, at int64, fault func()) *load {
	return &load{seen: newTally(n), at: at, fault: fault, armed: make(chan struct{}),
		struck: make(chan struct{}), holding: make(chan struct{}), marked: make(chan struct{})}
}

// arm lets the fault strike, once at least at messages are handled.
func (l *load) arm() { l.onces[0].Do(func() { close(l.armed) }) }

func (l *load) endpoint() *dispatch.Endpoint {
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "record", func(_ context.Context, a idArgs) (any, error) {
		l.seen.add(a.ID)
		if l.handled.Add(1) >= l.at && isClosed(l.armed) && l.fired.CompareAndSwap(false, true) {
			l.faultID.Store(int64(a.ID))
			l.fault()
			close(l.struck)
		}
		return nil, nil
	})
	dispatch.Handle(ep, "marker", func(context.Context, struct{}) (any, error) {
		l.onces[1].Do(func() { close(l.marked) })
		return nil, nil
	})
	dispatch.Handle(ep, "echo", func(_ context.Context, a echoArgs) (echoArgs, error) { return a, nil })
	dispatch.Handle(ep, "hold", func(ctx context.Context, _ struct{}) (string, error) {
		l.onces[2].Do(func() { close(l.holding) })
		select {
		case <-l.struck:
			return "held", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	return ep
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// callAcross makes calls to server s1 around a fault: an echo before it
// (so the server's publishing connection goes through the proxy), and,
// with an executor that can run it beside the casts, a hold call in flight
// when the fault strikes, whose reply is published after it. It arms the
// load and returns a check to run after the server recovered: the hold
// call got its answer, and a new call is answered.
func (l *load) callAcross(t *testing.T, client *rpcexec.Client, executorName string) (after func()) {
	t.Helper()
	s1 := client.Prepare(rpcexec.ToServer("s1"), rpcexec.Timeout(60*time.Second))
	echo := func(when string, v int) {
		t.Helper()
		var got echoArgs
		if err := s1.Call(context.Background(), "echo", echoArgs{Value: v}, &got); err != nil || got.Value != v {
			t.Fatalf("call %s the fault: got %+v, %v; want value %d", when, got, err, v)
		}
	}
	echo("before", 1)
	var held chan error
	if executorName != executor.Blocking { // blocking would run hold instead of the casts
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		held = make(chan error, 1)
		go func() {
			var got string
			err := s1.Call(ctx, "hold", nil, &got)
			if err == nil && got != "held" {
				err = fmt.Errorf("got %q, want held", got)
			}
			held <- err
		}()
		await(t, l.holding, 30*time.Second, "hold call started")
	}
	l.arm()
	return func() {
		t.Helper()
		if held != nil {
			select {
			case err := <-held:
				if err != nil {
					t.Errorf("call in flight across the fault: %v", err)
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("call in flight across the fault: no answer within 60 s")
			}
		}
		echo("after", 2)
	}
}

// settle casts the marker and waits for it, then stops srv gracefully.
// RabbitMQ delivers a queue in order, redeliveries at their old place, so
// once the marker (cast after every id was seen) is handled, every earlier
// delivery has been handed to the executor; the graceful stop then waits
// for them to finish. After settle, nothing more can be handled.
func (l *load) settle(t *testing.T, client *rpcexec.Client, srv *rpcexec.Server) {
	t.Helper()
	if err := client.Cast(context.Background(), "marker", nil); err != nil {
		t.Fatal(err)
	}
	await(t, l.marked, 30*time.Second, "marker cast handled")
	select {
	case <-srv.Done():
		t.Errorf("server stopped by itself: %v; want it running until stopped", srv.Err())
	default:
	}
	stopServer(t, srv)
}

// atLeastOnce checks that every id was handled and returns how many
// handlings were duplicates.
func (s *tally) atLeastOnce(tb testing.TB) (duplicates int) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.want {
		n := s.counts[id]
		if n < 1 {
			tb.Errorf("id %d handled %d times, want at least once", id, n)
		}
		duplicates += max(n-1, 0)
	}
	return duplicates
}

func (s *tally) times(id int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[id]
}

func countOver(s *tally, n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	over := 0
	for _, c := range s.counts {
		if c > n {
			over++
		}
	}
	return over
}
