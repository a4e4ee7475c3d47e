package executor

import "context"

// BlockingExecutor runs each task inline in the goroutine that submits it: the
// listener loop handles one message at a time, as oslo.messaging's blocking
// executor does. It is the simplest strategy and the reference for ordering.
type BlockingExecutor struct {
	tracker *tracker
}

var _ Executor = (*BlockingExecutor)(nil)

// NewBlocking returns the strategy named Blocking.
func NewBlocking() *BlockingExecutor {
	return &BlockingExecutor{tracker: newTracker()}
}

// Submit runs task and returns once it has returned, or returns ErrClosed
// after Shutdown. ctx is not consulted: there is no capacity to wait for, as
// each caller lends its own goroutine. A panicking task panics in the caller.
func (b *BlockingExecutor) Submit(_ context.Context, task Task) error {
	if !b.tracker.enter() {
		return ErrClosed
	}
	defer b.tracker.leave()
	task()
	return nil
}

// Shutdown stops admission and waits for the tasks that Submit calls are
// running, or for ctx.
func (b *BlockingExecutor) Shutdown(ctx context.Context) error {
	b.tracker.close()
	return b.tracker.wait(ctx)
}
