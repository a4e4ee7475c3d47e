package executor

import (
	"context"
	"sync"
	"sync/atomic"
)

// tracker is the admission and drain bookkeeping all strategies share: it
// admits tasks until closed and signals when the last admitted one has left.
//
// state counts admitted tasks in steps of two, with the low bit set once
// closed, so admission costs one atomic add and cannot slip past close (the
// trick sync.WaitGroup uses). A WaitGroup alone would not do: its Wait
// ignores contexts, and an Add racing with Wait is a misuse.
type tracker struct {
	state     atomic.Int64
	closeOnce sync.Once
	idleOnce  sync.Once
	closing   chan struct{} // closed by close: wakes Submits waiting for capacity
	idle      chan struct{} // closed once closed and every admitted task has left
}

const (
	closedBit = 1
	oneTask   = 2
)

func newTracker() *tracker {
	return &tracker{closing: make(chan struct{}), idle: make(chan struct{})}
}

// enter admits one task, or reports false once closed.
func (t *tracker) enter() bool {
	if t.state.Add(oneTask)&closedBit == 0 {
		return true
	}
	t.leave()
	return false
}

// leave marks an entered task as finished.
func (t *tracker) leave() {
	if t.state.Add(-oneTask) == closedBit {
		t.idleOnce.Do(func() { close(t.idle) })
	}
}

// close stops admission; later calls do nothing.
func (t *tracker) close() {
	t.closeOnce.Do(func() {
		old := t.state.Or(closedBit)
		close(t.closing)
		if old == 0 {
			t.idleOnce.Do(func() { close(t.idle) })
		}
	})
}

// wait returns nil once closed and idle, or ctx.Err() if ctx ends first.
func (t *tracker) wait(ctx context.Context) error {
	return waitFor(ctx, t.idle)
}

// waitFor prefers done over ctx, so a call that has nothing left to wait for
// succeeds even with an expired context.
func waitFor(ctx context.Context, done <-chan struct{}) error {
	select {
	case <-done:
		return nil
	default:
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// slots is a counting semaphore holding one token per running task.
type slots chan struct{}

// acquire takes a token, waiting until one is free, ctx ends or closing is
// closed. Like x/sync/semaphore, it succeeds without waiting when a token is
// free, even if ctx is already done.
func (s slots) acquire(ctx context.Context, closing <-chan struct{}) error {
	select {
	case s <- struct{}{}:
		return nil
	default:
	}
	select {
	case s <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-closing:
		return ErrClosed
	}
}

// release returns a token taken by acquire.
func (s slots) release() { <-s }
