package listener

import (
	"context"
	"errors"
	"time"

	"github.com/rpcexec/rpcexec/poller"
)

// poll polls once. With tasks in flight, the first of them to finish
// cancels the poll (see wake): the loop then settles it without waiting out
// the poll timeout, which would hold acks and, on a broker, the prefetch
// window for up to a second.
func (l *Listener) poll(wait time.Duration, room int, wakeable bool) ([]*poller.Message, error) {
	if !wakeable {
		return l.poller.Poll(l.polling, wait, room)
	}
	ctx, cancel := context.WithCancel(l.polling)
	defer cancel()
	l.wake.Store(&cancel)
	if len(l.done) > 0 { // finished before the wake was armed
		wait = 0
	}
	batch, err := l.poller.Poll(ctx, wait, room)
	l.wake.Store(nil)
	if err != nil && ctx.Err() != nil && l.polling.Err() == nil {
		err = nil // woken by a finished task, not stopped
	}
	return batch, err
}

// collect takes the completions that are ready without waiting and returns
// how many tasks they finished.
func (l *Listener) collect(pending *[]poller.Settlement) (finished int) {
	for {
		select {
		case c := <-l.done:
			l.finish(c, pending)
			finished++
		default:
			return finished
		}
	}
}

// awaitCompletion waits, at most wait, for at least one task to finish.
func (l *Listener) awaitCompletion(pending *[]poller.Settlement, wait time.Duration) (finished int) {
	select { // the common case, a task finishing soon, needs no timer
	case c := <-l.done:
		l.finish(c, pending)
		return 1 + l.collect(pending)
	default:
	}
	timer := time.NewTimer(min(wait, l.cfg.PollTimeout))
	defer timer.Stop()
	select {
	case c := <-l.done:
		l.finish(c, pending)
		return 1 + l.collect(pending)
	case <-timer.C:
	case <-l.polling.Done():
	}
	return 0
}

func (l *Listener) finish(c completion, pending *[]poller.Settlement) {
	l.bytes -= len(c.msg.Body)
	if c.settle {
		*pending = append(*pending, poller.Settlement{Msg: c.msg, Outcome: c.outcome})
	}
}

// settle applies pending outcomes and returns the emptied slice for reuse.
func (l *Listener) settle(pending []poller.Settlement) []poller.Settlement {
	if len(pending) == 0 {
		return pending
	}
	if err := l.poller.Settle(context.Background(), pending); err != nil {
		l.cfg.Logger.Warn("listener: settling messages failed; the broker will redeliver them",
			"count", len(pending), "err", err)
	}
	l.stats.count(pending)
	clear(pending)
	return pending[:0]
}

// pollFailed logs a failed poll and waits before the next one, so that a
// transport that keeps failing does not spin the loop. A Poller that can
// deliver no more ends the loop; Err reports why.
func (l *Listener) pollFailed(err error) {
	if l.polling.Err() != nil {
		return
	}
	l.stats.pollErrors.Add(1)
	if errors.Is(err, poller.ErrClosed) || errors.Is(err, poller.ErrGaveUp) {
		l.cfg.Logger.Error("listener: the poller can deliver no more; stopping", "err", err)
		l.failed = err
		l.stopPolling()
		return
	}
	l.cfg.Logger.Warn("listener: poll failed; retrying", "err", err, "retry_in", l.cfg.PollTimeout)
	timer := time.NewTimer(l.cfg.PollTimeout)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-l.polling.Done():
	}
}

// drain keeps settling completions until the running tasks finish or the
// listener is aborted, and returns how many were still running.
func (l *Listener) drain(inflight int) int {
	var pending []poller.Settlement
	for inflight > 0 {
		select {
		case c := <-l.done:
			l.finish(c, &pending)
			inflight -= 1 + l.collect(&pending)
			pending = l.settle(pending)
		case <-l.aborted.Done():
			return inflight
		}
	}
	return 0
}
