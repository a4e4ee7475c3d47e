package executortest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/executor"
)

const (
	// within bounds every wait that must end, so that a broken executor
	// fails the suite instead of hanging it.
	within = 10 * time.Second
	// notWithin is how long something that must not happen is given to
	// happen; also the short deadline given to Shutdown.
	notWithin = 50 * time.Millisecond
	// slack is how late past its deadline Shutdown may still return.
	slack = 2 * time.Second
)

// Option describes the executor under test.
type Option func(*config)

type config struct {
	capacity int
}

// WithCapacity declares that the executor runs at most n tasks at once and
// that Submit waits for capacity beyond that, which lets the suite check
// that cancelling the context unblocks such a Submit. Without it that check
// is skipped: an executor that never waits for capacity, like blocking, has
// nothing to unblock.
func WithCapacity(n int) Option {
	return func(c *config) { c.capacity = n }
}

// Run runs the contract as subtests of t, each on a fresh executor from
// newExecutor. Each subtest also shuts its executor down at cleanup.
func Run(t *testing.T, newExecutor func(t *testing.T) executor.Executor, opts ...Option) {
	t.Helper()
	var c config
	for _, opt := range opts {
		opt(&c)
	}
	tests := []struct {
		name string
		run  func(t *testing.T, e executor.Executor, c config)
	}{
		{name: "task runs", run: taskRuns},
		{name: "submit after shutdown returns ErrClosed", run: submitAfterShutdown},
		{name: "shutdown waits for a running task", run: shutdownWaits},
		{name: "shutdown honours its deadline", run: shutdownDeadline},
		{name: "cancelled context unblocks a submit waiting for capacity", run: cancelUnblocksSubmit},
		{name: "10000 concurrent submits each run once", run: concurrentSubmits},
		{name: "shutdown is idempotent", run: shutdownIdempotent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newExecutor(t)
			t.Cleanup(func() {
				if err := shutdown(e); err != nil {
					t.Errorf("Shutdown at cleanup: got %v, want nil", err)
				}
			})
			tt.run(t, e, c)
		})
	}
}

// shutdown calls Shutdown bounded by within.
func shutdown(e executor.Executor) error {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	return e.Shutdown(ctx)
}

// gate holds tasks until opened. It also opens at cleanup, which runs before
// the executor's shutdown, so a failed test leaves no task blocked.
type gate struct {
	ch   chan struct{}
	once sync.Once
}

func newGate(t *testing.T) *gate {
	g := &gate{ch: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }
func (g *gate) wait() { <-g.ch }

// receive returns the next value from ch, failing the test if none comes
// within the bound.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(within):
	}
	t.Fatalf("%s: got nothing within %v", what, within)
	var zero T
	return zero
}

// submitAsync submits from a goroutine of its own: a blocking executor runs
// the task in the caller, and a bounded one may make the caller wait.
func submitAsync(ctx context.Context, e executor.Executor, task executor.Task) <-chan error {
	errc := make(chan error, 1)
	go func() { errc <- e.Submit(ctx, task) }()
	return errc
}
