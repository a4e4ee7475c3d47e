package executor

import (
	"context"
	"fmt"
	"sync"

	"github.com/panjf2000/ants/v2"
)

// PoolExecutor runs tasks on reused worker goroutines (ants v2), at most size
// at once, like oslo.messaging's threading executor with
// executor_thread_pool_size workers.
//
// Capacity is gated by our own semaphore of size tokens, not by ants: ants'
// blocking Submit cannot be cancelled, and a stopping listener must not wait
// for a worker. The ants pool itself is unbounded so that it never blocks
// either: a token is freed when the task returns, a moment before ants puts
// the worker back on its idle stack, so a pool of exactly size workers could
// make the next Submit wait inside ants, out of reach of its ctx (and ants
// can miss the wake-up when a worker exits). Workers are reused, so only
// those caught between the two steps are extra; idle ones expire after a
// second.
type PoolExecutor struct {
	slots    slots
	tracker  *tracker
	workers  *ants.PoolWithFuncGeneric[Task]
	stopOnce sync.Once
	stopped  chan struct{} // closed once ants' goroutines have exited
}

var _ Executor = (*PoolExecutor)(nil)

// NewPool returns the strategy named Pool, running at most size tasks at once
// (oslo.messaging's executor_thread_pool_size, DefaultPoolSize by default).
// Its ants pool starts a purge and a clock goroutine, so the executor must be
// shut down.
//
// A task that panics reaches ants only after run has freed its slot, so the
// executor stays consistent; the PanicHandler then drops the panic, since
// this package has no logger and ants' default would print to stderr. The
// listener's tasks recover and log their own panics, so none is expected.
func NewPool(size int) (*PoolExecutor, error) {
	if size <= 0 {
		return nil, fmt.Errorf("%w: pool size must be > 0, got %d", ErrInvalidConfig, size)
	}
	p := &PoolExecutor{slots: make(slots, size), tracker: newTracker(), stopped: make(chan struct{})}
	// A size of -1 makes the ants pool unbounded; see PoolExecutor.
	workers, err := ants.NewPoolWithFuncGeneric(-1, p.run, ants.WithPanicHandler(func(any) {}))
	if err != nil {
		return nil, fmt.Errorf("executor: starting ants pool: %w", err)
	}
	p.workers = workers
	return p, nil
}

// Submit hands task to a worker, first waiting for one of the size slots. It
// returns ctx.Err() if ctx ends while waiting and ErrClosed once Shutdown has
// been called.
func (p *PoolExecutor) Submit(ctx context.Context, task Task) error {
	if err := p.slots.acquire(ctx, p.tracker.closing); err != nil {
		return err
	}
	if !p.tracker.enter() {
		p.slots.release()
		return ErrClosed
	}
	// The ants pool is released only after every entered task has left, and
	// it never blocks or overloads, so Invoke cannot fail here; undo anyway
	// rather than lose a slot if it ever does.
	if err := p.workers.Invoke(task); err != nil {
		p.finish()
		return fmt.Errorf("executor: ants pool: %w", err)
	}
	return nil
}

// run is the ants worker function. Passing the task as the argument of a
// generic pool avoids allocating a closure per Submit.
func (p *PoolExecutor) run(task Task) {
	defer p.finish()
	task()
}

func (p *PoolExecutor) finish() {
	p.slots.release()
	p.tracker.leave()
}

// Shutdown stops admission, waits for every accepted task to return and then
// for ants' workers, purge and clock goroutines to exit, or for ctx.
func (p *PoolExecutor) Shutdown(ctx context.Context) error {
	p.tracker.close()
	p.stopOnce.Do(func() { go p.stop() })
	if err := waitFor(ctx, p.tracker.idle); err != nil {
		return err
	}
	<-p.stopped // no task left: releasing the idle workers takes no time
	return nil
}

// stop releases the ants pool once the last task has left. It runs on its own
// goroutine, started by the first Shutdown and waited for by every Shutdown,
// because ants' ReleaseContext waits only in the call that closes the pool: a
// Shutdown that ran out of time could not be retried. With no task left the
// release is quick; its only error, ErrPoolClosed, needs a second release.
func (p *PoolExecutor) stop() {
	<-p.tracker.idle
	_ = p.workers.ReleaseContext(context.Background())
	close(p.stopped)
}
