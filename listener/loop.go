package listener

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/poller"
)

// received counts a polled batch and, with AckBefore, acknowledges it at
// once: from then on it must run, even during a graceful stop, since an
// acknowledged message can no longer go back to its queue.
func (l *Listener) received(batch []*poller.Message, pending *[]poller.Settlement) {
	l.stats.received.Add(int64(len(batch)))
	if l.cfg.Ack != AckBefore {
		return
	}
	for _, m := range batch {
		*pending = append(*pending, poller.Settlement{Msg: m, Outcome: poller.Ack})
	}
	*pending = l.settle(*pending)
}

// byteRoom is how many more messages the byte budget lets the loop poll:
// none once the bodies in flight reach it, otherwise as many as fit if each
// were as large as a recent large one, and at least one.
func (l *Listener) byteRoom() int {
	budget := l.cfg.MaxInFlightBytes
	switch {
	case budget <= 0:
		return math.MaxInt
	case l.bytes >= budget:
		return 0
	case l.big == 0:
		return 1 // nothing seen yet to size a batch by
	}
	return max(1, (budget-l.bytes)/l.big)
}

// count adds a polled batch to the bytes in flight. big decays by an
// eighth per batch so one large message does not shrink batches forever.
func (l *Listener) count(batch []*poller.Message) {
	l.big -= l.big / 8
	for _, m := range batch {
		l.bytes += len(m.Body)
		l.big = max(l.big, len(m.Body))
	}
	l.stats.setBytes(l.bytes)
}

// submit hands msgs to the executor in order and returns those it did not
// start: the executor was full and a task finished (wakeable), the next
// heartbeat check is due within wait, or polling stopped. Submit itself may
// wait for capacity; this bounds that wait so the loop keeps settling and
// checking.
func (l *Listener) submit(msgs []*poller.Message, wait time.Duration, wakeable bool) []*poller.Message {
	parent, settleLater := l.polling, true
	if l.cfg.Ack == AckBefore {
		parent, settleLater = l.aborted, false
	}
	ctx, cancel := context.WithTimeout(parent, wait)
	defer cancel()
	if wakeable {
		l.wake.Store(&cancel)
		defer l.wake.Store(nil)
		if len(l.done) > 0 { // finished before the wake was armed
			cancel()
		}
	}
	for i, m := range msgs {
		if err := l.exec.Submit(ctx, l.task(m, settleLater)); err != nil {
			if errors.Is(err, executor.ErrClosed) || parent.Err() != nil {
				return msgs[i:]
			}
			clear(msgs[:i])
			return msgs[i:] // woken or due: back to the loop, to be offered again
		}
	}
	return nil
}

// unstarted deals with what was received and not started when polling
// stopped, and returns how many of them are no longer in flight. They are
// requeued; with AckBefore, being acknowledged already, they still run,
// waiting for the executor until the listener is aborted, and those that
// cannot are logged as lost.
func (l *Listener) unstarted(msgs []*poller.Message, pending *[]poller.Settlement) int {
	if l.cfg.Ack != AckBefore {
		for _, m := range msgs {
			*pending = append(*pending, poller.Settlement{Msg: m, Outcome: poller.Requeue})
			l.bytes -= len(m.Body)
		}
		return len(msgs)
	}
	for i, m := range msgs {
		if err := l.exec.Submit(l.aborted, l.task(m, false)); err != nil {
			l.cfg.Logger.Error("listener: acknowledged messages were not run (ack policy before is at-most-once)",
				"count", len(msgs)-i, "err", err)
			return len(msgs) - i
		}
	}
	return 0
}

// task wraps one message for the executor. A panic that escapes the handler
// rejects the message rather than crash the process or requeue it forever.
func (l *Listener) task(m *poller.Message, settle bool) executor.Task {
	return func() {
		outcome := poller.Reject
		defer func() {
			if r := recover(); r != nil {
				l.cfg.Logger.Error("listener: handler panicked; message rejected", "queue", m.Queue, "panic", r)
			}
			l.done <- completion{msg: m, outcome: outcome, settle: settle}
			if cancel := l.wake.Swap(nil); cancel != nil {
				(*cancel)()
			}
		}()
		outcome = l.handler.Handle(l.aborted, m)
	}
}

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
