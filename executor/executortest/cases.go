package executortest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/executor"
)

func taskRuns(t *testing.T, e executor.Executor, _ config) {
	ran := make(chan struct{})
	if err := e.Submit(context.Background(), func() { close(ran) }); err != nil {
		t.Fatalf("Submit: got %v, want nil", err)
	}
	receive(t, ran, "task")
	if err := shutdown(e); err != nil {
		t.Errorf("Shutdown: got %v, want nil", err)
	}
}

func submitAfterShutdown(t *testing.T, e executor.Executor, _ config) {
	if err := shutdown(e); err != nil {
		t.Fatalf("Shutdown: got %v, want nil", err)
	}
	var ran atomic.Bool
	if err := e.Submit(context.Background(), func() { ran.Store(true) }); !errors.Is(err, executor.ErrClosed) {
		t.Errorf("Submit after Shutdown: got %v, want %v", err, executor.ErrClosed)
	}
	// A second Shutdown waits for the task in case it was wrongly accepted.
	if err := shutdown(e); err != nil {
		t.Errorf("second Shutdown: got %v, want nil", err)
	}
	if ran.Load() {
		t.Error("task refused with ErrClosed: got it run, want it never run")
	}
}

// blockedTask submits a task that signals when it starts and then waits for
// the returned gate; finished is set when it returns.
func blockedTask(t *testing.T, e executor.Executor) (g *gate, finished *atomic.Bool, submitted <-chan error) {
	g, finished = newGate(t), new(atomic.Bool)
	started := make(chan struct{})
	submitted = submitAsync(context.Background(), e, func() {
		close(started)
		g.wait()
		finished.Store(true)
	})
	receive(t, started, "task start")
	return g, finished, submitted
}

func shutdownWaits(t *testing.T, e executor.Executor, _ config) {
	g, finished, submitted := blockedTask(t, e)
	type result struct {
		err      error
		finished bool
	}
	done := make(chan result, 1)
	go func() {
		err := e.Shutdown(context.Background())
		done <- result{err: err, finished: finished.Load()}
	}()
	select {
	case r := <-done:
		t.Fatalf("Shutdown while a task runs: got %v at once, want it to wait", r.err)
	case <-time.After(notWithin):
	}
	g.open()
	if r := receive(t, done, "Shutdown"); r.err != nil || !r.finished {
		t.Errorf("Shutdown: got (%v, task finished %t), want (nil, task finished true)", r.err, r.finished)
	}
	if err := receive(t, submitted, "Submit"); err != nil {
		t.Errorf("Submit: got %v, want nil", err)
	}
}

func shutdownDeadline(t *testing.T, e executor.Executor, _ config) {
	g, finished, submitted := blockedTask(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), notWithin)
	defer cancel()
	begin := time.Now()
	err := e.Shutdown(ctx)
	if elapsed := time.Since(begin); !errors.Is(err, context.DeadlineExceeded) || elapsed > notWithin+slack {
		t.Fatalf("Shutdown with a %v deadline while a task runs: got %v after %v, want %v within %v",
			notWithin, err, elapsed, context.DeadlineExceeded, notWithin+slack)
	}
	g.open()
	if err := shutdown(e); err != nil || !finished.Load() {
		t.Errorf("Shutdown after the task was released: got (%v, task finished %t), want (nil, task finished true)",
			err, finished.Load())
	}
	if err := receive(t, submitted, "Submit"); err != nil {
		t.Errorf("Submit: got %v, want nil", err)
	}
}

func cancelUnblocksSubmit(t *testing.T, e executor.Executor, c config) {
	if c.capacity <= 0 {
		t.Skip("no capacity declared with WithCapacity: Submit never waits for capacity")
	}
	g := newGate(t)
	started := make(chan struct{}, c.capacity)
	fill := make([]<-chan error, c.capacity)
	for i := range fill {
		fill[i] = submitAsync(context.Background(), e, func() {
			started <- struct{}{}
			g.wait()
		})
	}
	for range c.capacity {
		receive(t, started, "task start")
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ran atomic.Bool
	blocked := submitAsync(ctx, e, func() { ran.Store(true) })
	select {
	case err := <-blocked:
		t.Fatalf("Submit beyond capacity %d: got %v at once, want it to wait", c.capacity, err)
	case <-time.After(notWithin):
	}
	cancel()
	if err := receive(t, blocked, "Submit after cancel"); !errors.Is(err, context.Canceled) {
		t.Errorf("Submit waiting for capacity, after cancel: got %v, want %v", err, context.Canceled)
	}

	g.open()
	for i, errc := range fill {
		if err := receive(t, errc, "Submit"); err != nil {
			t.Errorf("Submit %d within capacity: got %v, want nil", i, err)
		}
	}
	if err := shutdown(e); err != nil {
		t.Errorf("Shutdown: got %v, want nil", err)
	}
	if ran.Load() {
		t.Error("task of a cancelled Submit: got it run, want it never run")
	}
}

func concurrentSubmits(t *testing.T, e executor.Executor, _ config) {
	const submitters, each = 100, 100
	runs := make([]atomic.Int32, submitters*each)
	errs := make(chan error, len(runs))
	var wg sync.WaitGroup
	for s := range submitters {
		wg.Go(func() {
			for i := range each {
				id := s*each + i
				if err := e.Submit(context.Background(), func() { runs[id].Add(1) }); err != nil {
					errs <- err
				}
			}
		})
	}
	submitted := make(chan struct{})
	go func() {
		wg.Wait()
		close(submitted)
	}()
	receive(t, submitted, "all Submits")
	close(errs)
	if err, ok := <-errs; ok {
		t.Fatalf("Submit: got %v (and %d more errors), want nil", err, len(errs))
	}
	if err := shutdown(e); err != nil {
		t.Fatalf("Shutdown: got %v, want nil", err)
	}
	wrong := 0
	for id := range runs {
		if got := runs[id].Load(); got != 1 {
			if wrong == 0 {
				t.Errorf("task %d: got %d runs, want 1", id, got)
			}
			wrong++
		}
	}
	if wrong > 0 {
		t.Errorf("tasks not run exactly once: got %d of %d, want 0", wrong, len(runs))
	}
}

func shutdownIdempotent(t *testing.T, e executor.Executor, _ config) {
	if err := e.Submit(context.Background(), func() {}); err != nil {
		t.Fatalf("Submit: got %v, want nil", err)
	}
	const concurrent = 4
	errs := make(chan error, concurrent)
	for range concurrent {
		go func() { errs <- shutdown(e) }()
	}
	for i := range concurrent {
		if err := receive(t, errs, "concurrent Shutdown"); err != nil {
			t.Errorf("concurrent Shutdown %d: got %v, want nil", i, err)
		}
	}
	for i := range 2 {
		if err := shutdown(e); err != nil {
			t.Errorf("Shutdown %d after shutdown: got %v, want nil", i+1, err)
		}
	}
	if err := e.Submit(context.Background(), func() {}); !errors.Is(err, executor.ErrClosed) {
		t.Errorf("Submit after Shutdowns: got %v, want %v", err, executor.ErrClosed)
	}
}

// doneContextTakesFreeCapacity: a Submit with a context already done still
// takes capacity that is free, and returns ctx.Err() at once when there is
// none: the listener's first try at a task, which never waits.
func doneContextTakesFreeCapacity(t *testing.T, e executor.Executor, c config) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	ran := make(chan struct{})
	if err := e.Submit(done, func() { close(ran) }); err != nil {
		t.Fatalf("Submit with a done context and free capacity: got %v, want nil", err)
	}
	receive(t, ran, "task")
	if c.capacity > 0 {
		g := newGate(t)
		started := make(chan struct{}, c.capacity)
		fill := make([]<-chan error, c.capacity)
		for i := range fill {
			fill[i] = submitAsync(context.Background(), e, func() {
				started <- struct{}{}
				g.wait()
			})
		}
		for range c.capacity {
			receive(t, started, "task start")
		}
		var extra atomic.Bool
		if err := receive(t, submitAsync(done, e, func() { extra.Store(true) }), "Submit beyond capacity"); !errors.Is(err, context.Canceled) {
			t.Errorf("Submit with a done context and no capacity: got %v, want %v at once", err, context.Canceled)
		}
		g.open()
		for _, errc := range fill {
			receive(t, errc, "Submit")
		}
		if extra.Load() {
			t.Error("task refused for want of capacity: got it run")
		}
	}
	if err := shutdown(e); err != nil {
		t.Errorf("Shutdown: got %v, want nil", err)
	}
}
