package executor_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/executor"
)

// TestConcurrencyBound fills a bounded strategy with tasks that hold on to
// their slot, checks that no more than max start, then lets them all run
// through and checks the peak never passed max.
func TestConcurrencyBound(t *testing.T) {
	const max, tasks, submitters = 4, 200, 8
	for name, e := range bounded(t, max) {
		t.Run(name, func(t *testing.T) {
			gate := openAtCleanup(t, e)
			var running, peak, ran atomic.Int64
			started := make(chan struct{}, tasks)
			task := func() {
				raise(&peak, running.Add(1))
				started <- struct{}{}
				<-gate
				running.Add(-1)
				ran.Add(1)
			}
			var wg sync.WaitGroup
			for range submitters {
				wg.Go(func() {
					for range tasks / submitters {
						if err := e.Submit(context.Background(), task); err != nil {
							t.Errorf("Submit: got %v, want nil", err)
						}
					}
				})
			}
			for range max {
				receive(t, started, "task start")
			}
			select {
			case <-started:
				t.Errorf("tasks started while %d hold their slots: got %d, want %d", max, max+1, max)
			case <-time.After(notWithin):
			}
			close(gate)
			wg.Wait()
			shutdown(t, e)
			if got := peak.Load(); got > max {
				t.Errorf("peak of tasks running at once: got %d, want <= %d", got, max)
			}
			if got := ran.Load(); got != tasks {
				t.Errorf("tasks run: got %d, want %d", got, tasks)
			}
		})
	}
}

// TestShutdownWakesWaitingSubmit checks that a Submit waiting for capacity
// returns ErrClosed as soon as Shutdown begins, so a stopping listener does
// not wait for a slot, while Shutdown still waits for the running task.
func TestShutdownWakesWaitingSubmit(t *testing.T) {
	for name, e := range bounded(t, 1) {
		t.Run(name, func(t *testing.T) {
			gate := openAtCleanup(t, e)
			started := make(chan struct{})
			if err := e.Submit(context.Background(), func() { close(started); <-gate }); err != nil {
				t.Fatalf("Submit: got %v, want nil", err)
			}
			receive(t, started, "task start")

			var ran atomic.Bool
			waiting := make(chan error, 1)
			go func() { waiting <- e.Submit(context.Background(), func() { ran.Store(true) }) }()
			select {
			case err := <-waiting:
				t.Fatalf("Submit beyond capacity: got %v at once, want it to wait", err)
			case <-time.After(notWithin):
			}
			stopped := make(chan error, 1)
			go func() { stopped <- e.Shutdown(context.Background()) }()
			if err := receive(t, waiting, "waiting Submit"); !errors.Is(err, executor.ErrClosed) {
				t.Errorf("waiting Submit once Shutdown began: got %v, want %v", err, executor.ErrClosed)
			}
			close(gate)
			if err := receive(t, stopped, "Shutdown"); err != nil {
				t.Errorf("Shutdown: got %v, want nil", err)
			}
			if ran.Load() {
				t.Error("task of a Submit refused with ErrClosed: got it run, want it never run")
			}
		})
	}
}

// TestPoolSurvivesPanic checks that a panicking task neither crashes the
// process nor keeps its slot: with a single slot, the next task still runs.
func TestPoolSurvivesPanic(t *testing.T) {
	e, err := executor.NewPool(1)
	if err != nil {
		t.Fatalf("NewPool(1): got %v, want nil", err)
	}
	defer shutdown(t, e)
	if err := e.Submit(context.Background(), func() { panic("task bug") }); err != nil {
		t.Fatalf("Submit: got %v, want nil", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	ran := make(chan struct{})
	if err := e.Submit(ctx, func() { close(ran) }); err != nil {
		t.Fatalf("Submit after a panic: got %v, want nil", err)
	}
	receive(t, ran, "task after a panic")
}

// raise sets peak to n if n is higher.
func raise(peak *atomic.Int64, n int64) {
	for p := peak.Load(); n > p; p = peak.Load() {
		if peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// openAtCleanup returns a gate for tasks to wait on. The test closes it; if
// it fails first, cleanup closes it and shuts e down, so nothing is left
// blocked or running.
func openAtCleanup(t *testing.T, e executor.Executor) chan struct{} {
	gate := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-gate:
		default:
			close(gate)
		}
		shutdown(t, e)
	})
	return gate
}
