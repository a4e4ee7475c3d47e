package executor

import "context"

// GoroutineExecutor runs each task on a new goroutine, like eventlet's
// spawn_n, with at most maxInFlight running at once: unbounded, a burst of
// messages would grow the process without limit.
type GoroutineExecutor struct {
	slots   slots
	tracker *tracker
}

var _ Executor = (*GoroutineExecutor)(nil)

// NewGoroutine returns the strategy named Goroutine, running at most
// maxInFlight tasks at once; maxInFlight <= 0 means DefaultMaxInFlight. The
// listener passes its prefetch, so the executor never holds more than the
// broker has delivered.
func NewGoroutine(maxInFlight int) *GoroutineExecutor {
	if maxInFlight <= 0 {
		maxInFlight = DefaultMaxInFlight
	}
	return &GoroutineExecutor{slots: make(slots, maxInFlight), tracker: newTracker()}
}

// Submit starts task on a goroutine of its own, first waiting for one of the
// maxInFlight slots. It returns ctx.Err() if ctx ends while waiting and
// ErrClosed once Shutdown has been called. A panicking task crashes the
// process, as any goroutine does.
func (g *GoroutineExecutor) Submit(ctx context.Context, task Task) error {
	if err := g.slots.acquire(ctx, g.tracker.closing); err != nil {
		return err
	}
	if !g.tracker.enter() {
		g.slots.release()
		return ErrClosed
	}
	go g.run(task)
	return nil
}

func (g *GoroutineExecutor) run(task Task) {
	defer g.finish()
	growStack()
	task()
}

// taskStack is about the stack a message needs (JSON decoding and dispatch
// through reflection run deep). A new goroutine starts with a few KiB and
// doubles its stack as it goes, each time copying every frame on it;
// growing once here, with one frame on the stack, makes that a single
// cheap copy. BenchmarkServerPath shows the difference.
const taskStack = 12 << 10

//go:noinline
func growStack() {
	var pad [taskStack]byte
	touch(pad[:])
}

//go:noinline
func touch([]byte) {}

// finish frees the slot before leaving, so that Shutdown returns only after
// the executor's own bookkeeping is done.
func (g *GoroutineExecutor) finish() {
	g.slots.release()
	g.tracker.leave()
}

// Shutdown stops admission and waits for every started task to return, or
// for ctx.
func (g *GoroutineExecutor) Shutdown(ctx context.Context) error {
	g.tracker.close()
	return g.tracker.wait(ctx)
}
