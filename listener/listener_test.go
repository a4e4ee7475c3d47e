package listener_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/listener"
	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/transport/memory"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) // ants' default pool
}

// rig is a listener on a fresh embedded-bus queue.
type rig struct {
	bus   *memory.Bus
	queue string
	lis   *listener.Listener
	exec  executor.Executor
}

func newRig(t *testing.T, execName string, cfg listener.Config, h listener.Handler) *rig {
	t.Helper()
	r := &rig{bus: memory.NewBus(), queue: "q"}
	if err := r.bus.DeclareQueue(r.queue, memory.QueueOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := r.bus.Consume(cfg.Prefetch, r.queue)
	if err != nil {
		t.Fatal(err)
	}
	r.exec, err = executor.New(execName, executor.WithPoolSize(cfg.Prefetch), executor.WithMaxInFlight(cfg.Prefetch))
	if err != nil {
		t.Fatal(err)
	}
	if r.lis, err = listener.New(p, r.exec, h, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.lis.Close()
		r.exec.Shutdown(context.Background())
	})
	return r
}

func (r *rig) publish(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		if err := r.bus.Publish(context.Background(), "", r.queue, memory.Publishing{Body: fmt.Appendf(nil, "%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func (r *rig) stats(t *testing.T) memory.QueueStats {
	t.Helper()
	s, err := r.bus.Stats(r.queue)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStopCancelsPollAtOnce: with a 1 s poll timeout and an idle queue, Stop
// returns well before the poll would have timed out.
func TestStopCancelsPollAtOnce(t *testing.T) {
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			polled := make(chan struct{})
			var once sync.Once
			r := newRig(t, name, listener.Config{Prefetch: 8, PollTimeout: time.Second},
				listener.HandlerFunc(func(context.Context, *poller.Message) poller.Outcome {
					once.Do(func() { close(polled) })
					return poller.Ack
				}))
			if err := r.lis.Start(); err != nil {
				t.Fatal(err)
			}
			r.publish(t, 1) // proves the loop is polling before we stop it
			<-polled
			start := time.Now()
			if err := r.lis.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took >= 100*time.Millisecond {
				t.Errorf("Stop took %s, want < 100ms with a 1s poll timeout", took)
			}
		})
	}
}

// TestStopRequeuesUnstartedAndWaitsForRunning: a pool of 2 is busy with two
// held tasks; Stop requeues what the loop received but could not start and
// acks the running ones once they finish.
func TestStopRequeuesUnstartedAndWaitsForRunning(t *testing.T) {
	release := make(chan struct{})
	var running sync.WaitGroup
	running.Add(2)
	var handled atomic.Int64
	r := newRig(t, executor.Pool, listener.Config{Prefetch: 2, PollTimeout: time.Second},
		listener.HandlerFunc(func(context.Context, *poller.Message) poller.Outcome {
			handled.Add(1)
			running.Done()
			<-release
			return poller.Ack
		}))
	r.publish(t, 5)
	if err := r.lis.Start(); err != nil {
		t.Fatal(err)
	}
	running.Wait()

	stopped := make(chan error)
	go func() { stopped <- r.lis.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned %v while tasks were running, want it to wait", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if got := handled.Load(); got != 2 {
		t.Errorf("handled %d, want 2 (the pool's size)", got)
	}
	if s := r.stats(t); s.Ready != 3 || s.Unacked != 0 {
		t.Errorf("queue after stop: got %+v, want 3 ready, 0 unacked", s)
	}
}

// TestStopDeadlineAbortsHandlers: Stop whose context ends returns its error
// and cancels the handlers' context; their messages go back to the queue.
func TestStopDeadlineAbortsHandlers(t *testing.T) {
	started := make(chan struct{})
	r := newRig(t, executor.Goroutine, listener.Config{Prefetch: 1},
		listener.HandlerFunc(func(ctx context.Context, _ *poller.Message) poller.Outcome {
			close(started)
			<-ctx.Done()
			return poller.Requeue
		}))
	r.publish(t, 1)
	if err := r.lis.Start(); err != nil {
		t.Fatal(err)
	}
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := r.lis.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop: got %v, want DeadlineExceeded", err)
	}
	if err := r.exec.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := r.stats(t); s.Ready != 1 {
		t.Errorf("queue after aborted stop: got %+v, want the message ready again", s)
	}
}

// TestInFlightBoundedByPrefetch holds every handler until many are waiting
// and checks the most ever in flight.
func TestInFlightBoundedByPrefetch(t *testing.T) {
	const prefetch, total = 16, 2000
	var now, peak atomic.Int64
	var done sync.WaitGroup
	done.Add(total)
	r := newRig(t, executor.Goroutine, listener.Config{Prefetch: prefetch},
		listener.HandlerFunc(func(context.Context, *poller.Message) poller.Outcome {
			n := now.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			now.Add(-1)
			done.Done()
			return poller.Ack
		}))
	r.publish(t, total)
	if err := r.lis.Start(); err != nil {
		t.Fatal(err)
	}
	done.Wait()
	if err := r.lis.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := r.lis.Stats()
	if st.PeakInFlight > prefetch || peak.Load() > prefetch {
		t.Errorf("peak in flight: listener %d, handlers %d; want ≤ %d", st.PeakInFlight, peak.Load(), prefetch)
	}
	if st.Acked != total || st.Received != total {
		t.Errorf("got %+v, want %d received and acked", st, total)
	}
}

// TestAckPolicies: with "after" a message is unacknowledged while its
// handler runs; with "before" it is already acknowledged.
func TestAckPolicies(t *testing.T) {
	tests := []struct {
		policy      listener.AckPolicy
		wantUnacked int
	}{
		{listener.AckAfter, 1},
		{listener.AckBefore, 0},
	}
	for _, tt := range tests {
		t.Run(tt.policy.String(), func(t *testing.T) {
			inside, release := make(chan struct{}), make(chan struct{})
			r := newRig(t, executor.Goroutine, listener.Config{Prefetch: 4, Ack: tt.policy},
				listener.HandlerFunc(func(context.Context, *poller.Message) poller.Outcome {
					close(inside)
					<-release
					return poller.Ack
				}))
			r.publish(t, 1)
			if err := r.lis.Start(); err != nil {
				t.Fatal(err)
			}
			<-inside
			s := r.stats(t)
			close(release)
			if s.Unacked != tt.wantUnacked {
				t.Errorf("unacked while the handler runs: got %d, want %d", s.Unacked, tt.wantUnacked)
			}
			if err := r.lis.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			if s := r.stats(t); s.Ready != 0 || s.Unacked != 0 {
				t.Errorf("after stop: got %+v, want an empty queue", s)
			}
		})
	}
}

// TestHandlerPanicRejects: a panic that escapes the handler rejects the
// message (dead-lettered here) and the loop goes on.
func TestHandlerPanicRejects(t *testing.T) {
	bus := memory.NewBus()
	for _, err := range []error{
		bus.DeclareExchange("dlx", memory.Fanout),
		bus.DeclareQueue("dead", memory.QueueOptions{}),
		bus.Bind("dead", "dlx", ""),
		bus.DeclareQueue("q", memory.QueueOptions{DeadLetterExchange: "dlx"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	p, err := bus.Consume(4, "q")
	if err != nil {
		t.Fatal(err)
	}
	handled := make(chan string, 2)
	lis, err := listener.New(p, executor.NewBlocking(), listener.HandlerFunc(
		func(_ context.Context, m *poller.Message) poller.Outcome {
			if string(m.Body) == "poison" {
				panic("bad message")
			}
			handled <- string(m.Body)
			return poller.Ack
		}), listener.Config{Prefetch: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"poison", "fine"} {
		if err := bus.Publish(context.Background(), "", "q", memory.Publishing{Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := lis.Start(); err != nil {
		t.Fatal(err)
	}
	if got := <-handled; got != "fine" {
		t.Errorf("handled %q, want the loop to go on to %q", got, "fine")
	}
	if err := lis.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s, _ := bus.Stats("dead"); s.Ready != 1 {
		t.Errorf("dead-letter queue: got %+v, want the poison message", s)
	}
	if st := lis.Stats(); st.Rejected != 1 || st.Acked != 1 {
		t.Errorf("stats: got %+v, want 1 rejected, 1 acked", st)
	}
}

// checkingPoller counts heartbeat checks.
type checkingPoller struct {
	poller.Poller
	checks chan struct{}
}

func (c *checkingPoller) CheckHeartbeat(context.Context) error {
	select {
	case c.checks <- struct{}{}:
	default:
	}
	return nil
}

// TestHeartbeatCheckedWhenDue: the loop runs the poller's check at the
// configured interval even while the queue is idle and the poll timeout is
// longer.
func TestHeartbeatCheckedWhenDue(t *testing.T) {
	bus := memory.NewBus()
	if err := bus.DeclareQueue("q", memory.QueueOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := bus.Consume(1, "q")
	if err != nil {
		t.Fatal(err)
	}
	cp := &checkingPoller{Poller: p, checks: make(chan struct{}, 1)}
	lis, err := listener.New(cp, executor.NewBlocking(), listener.HandlerFunc(
		func(context.Context, *poller.Message) poller.Outcome { return poller.Ack }),
		listener.Config{Prefetch: 1, PollTimeout: time.Hour, HeartbeatInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := lis.Start(); err != nil {
		t.Fatal(err)
	}
	defer lis.Stop(context.Background())
	for i := range 3 {
		select {
		case <-cp.checks:
		case <-time.After(5 * time.Second):
			t.Fatalf("heartbeat check %d did not come within 5 s at a 10 ms interval", i+1)
		}
	}
}

func TestLifecycle(t *testing.T) {
	bus := memory.NewBus()
	if err := bus.DeclareQueue("q", memory.QueueOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := bus.Consume(1, "q")
	if err != nil {
		t.Fatal(err)
	}
	noop := listener.HandlerFunc(func(context.Context, *poller.Message) poller.Outcome { return poller.Ack })
	if _, err := listener.New(p, executor.NewBlocking(), noop, listener.Config{}); !errors.Is(err, listener.ErrInvalidConfig) {
		t.Errorf("prefetch 0: got %v, want ErrInvalidConfig", err)
	}
	lis, err := listener.New(p, executor.NewBlocking(), noop, listener.Config{Prefetch: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := lis.Stop(context.Background()); err != nil {
		t.Fatalf("Stop before Start: %v", err)
	}
	if err := lis.Stop(context.Background()); err != nil {
		t.Errorf("second Stop: %v, want nil", err)
	}
	if err := lis.Start(); !errors.Is(err, listener.ErrStopped) {
		t.Errorf("Start after Stop: got %v, want ErrStopped", err)
	}
	if _, err := p.Poll(context.Background(), 0, 1); !errors.Is(err, poller.ErrClosed) {
		t.Errorf("poller after Stop: got %v, want it closed", err)
	}
}

// settleSignal reports each Poll and Settle call.
type settleSignal struct {
	poller.Poller
	polls   chan struct{}
	settled chan []poller.Settlement
}

func (s *settleSignal) Poll(ctx context.Context, timeout time.Duration, max int) ([]*poller.Message, error) {
	select {
	case s.polls <- struct{}{}:
	default:
	}
	return s.Poller.Poll(ctx, timeout, max)
}

func (s *settleSignal) Settle(ctx context.Context, batch []poller.Settlement) error {
	s.settled <- append([]poller.Settlement(nil), batch...)
	return s.Poller.Settle(ctx, batch)
}

// TestFinishedTaskWakesPoll: a task finishing while the loop waits in a
// long poll is acknowledged at once, not after the poll timeout.
func TestFinishedTaskWakesPoll(t *testing.T) {
	bus := memory.NewBus()
	if err := bus.DeclareQueue("q", memory.QueueOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := bus.Consume(4, "q")
	if err != nil {
		t.Fatal(err)
	}
	sp := &settleSignal{Poller: p, polls: make(chan struct{}, 1), settled: make(chan []poller.Settlement, 4)}
	release := make(chan struct{})
	exec := executor.NewGoroutine(4)
	lis, err := listener.New(sp, exec, listener.HandlerFunc(func(context.Context, *poller.Message) poller.Outcome {
		<-release // finish only once the loop is back in its (hour-long) poll
		return poller.Ack
	}), listener.Config{Prefetch: 4, PollTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Shutdown(context.Background())
	defer lis.Close()
	if err := bus.Publish(context.Background(), "", "q", memory.Publishing{Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := lis.Start(); err != nil {
		t.Fatal(err)
	}
	<-sp.polls // the poll that takes the message
	<-sp.polls // the next one, long, with the task in flight
	close(release)
	select {
	case got := <-sp.settled:
		if len(got) != 1 || got[0].Outcome != poller.Ack {
			t.Errorf("settled %v, want one ack", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the finished task was not acknowledged while the loop polled with an hour's timeout")
	}
}

// TestByteBudget: with bodies of 1,000 bytes, a budget of 3,500 bytes and
// room for 100 messages, the loop takes no more than the budget allows
// while handlers hold their messages: under the budget plus one message.
func TestByteBudget(t *testing.T) {
	for _, name := range executor.Names() {
		if name == executor.Blocking {
			continue // one message at a time whatever the budget
		}
		t.Run(name, func(t *testing.T) {
			const size, budget = 1000, 3500
			release := make(chan struct{})
			started := make(chan struct{}, 100)
			r := newRig(t, name, listener.Config{Prefetch: 100, MaxInFlightBytes: budget, PollTimeout: time.Second},
				listener.HandlerFunc(func(context.Context, *poller.Message) poller.Outcome {
					started <- struct{}{}
					<-release
					return poller.Ack
				}))
			for range 50 {
				if err := r.bus.Publish(context.Background(), "", r.queue, memory.Publishing{Body: make([]byte, size)}); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.lis.Start(); err != nil {
				t.Fatal(err)
			}
			for range budget/size + 1 {
				<-started
			}
			s := r.stats(t) // the bus's view: what the listener holds
			if held := s.Unacked; held > budget/size+1 {
				t.Errorf("listener holds %d messages of %d bytes, want at most %d under a %d-byte budget",
					held, size, budget/size+1, budget)
			}
			close(release)
			if err := r.lis.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			st := r.lis.Stats()
			if st.PeakInFlightBytes > budget+size {
				t.Errorf("peak bytes in flight %d, want ≤ budget %d + one message", st.PeakInFlightBytes, budget)
			}
		})
	}
}
