package listener

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
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
	// The bounded wait costs a context and a timer: made only once the
	// executor turns a task away for want of capacity.
	var bounded *boundedWait
	defer func() {
		if bounded != nil {
			bounded.stop()
		}
	}()
	for i, m := range msgs {
		task := l.task(m, settleLater)
		err := l.exec.Submit(noWait, task) // a free slot is taken without waiting
		if err == nil {
			continue
		}
		if errors.Is(err, executor.ErrClosed) || parent.Err() != nil {
			return msgs[i:]
		}
		if bounded == nil {
			bounded = &boundedWait{l: l, parent: parent, wait: wait, wakeable: wakeable}
		}
		if err := l.exec.Submit(bounded.ctx(), task); err != nil {
			if errors.Is(err, executor.ErrClosed) || parent.Err() != nil {
				return msgs[i:]
			}
			clear(msgs[:i])
			return msgs[i:] // woken or due: back to the loop, to be offered again
		}
	}
	return nil
}

// boundedWait is submit's context for waiting on the executor: it ends
// after wait, or, when wakeable, as soon as a task finishes (see wake).
type boundedWait struct {
	l        *Listener
	parent   context.Context
	wait     time.Duration
	wakeable bool
	c        context.Context
	cancel   context.CancelFunc
}

func (b *boundedWait) ctx() context.Context {
	if b.c == nil {
		b.c, b.cancel = context.WithTimeout(b.parent, b.wait)
		if b.wakeable {
			b.l.wake.Store(&b.cancel)
			if len(b.l.done) > 0 { // finished before the wake was armed
				b.cancel()
			}
		}
	}
	return b.c
}

func (b *boundedWait) stop() {
	if b.c == nil {
		return
	}
	if b.wakeable {
		b.l.wake.Store(nil)
	}
	b.cancel()
}

// noWait is a context that has ended: executors take a free slot without
// waiting even then (see executor.Executor), and return at once without one.
var noWait = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

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
	if l.deferred != nil {
		t := &deferredTask{l: l, m: m, settle: settle}
		return t.run
	}
	return func() {
		outcome := poller.Reject
		defer func() {
			if r := recover(); r != nil {
				l.cfg.Logger.Error("listener: handler panicked; message rejected", "queue", m.Queue, "panic", r)
			}
			l.complete(m, outcome, settle)
		}()
		outcome = l.handler.Handle(l.aborted, m)
	}
}

// deferredTask is the task of a DeferredHandler: the message is in flight
// until finish is called, which may be after run returns.
type deferredTask struct {
	l        *Listener
	m        *poller.Message
	settle   bool
	finished atomic.Bool
}

func (t *deferredTask) run() {
	defer func() {
		if r := recover(); r != nil {
			t.l.cfg.Logger.Error("listener: handler panicked; message rejected", "queue", t.m.Queue, "panic", r)
			t.finish(poller.Reject) // no-op if it had finished
		}
	}()
	t.l.deferred.HandleDeferred(t.l.aborted, t.m, t.finish)
}

func (t *deferredTask) finish(o poller.Outcome) {
	if t.finished.CompareAndSwap(false, true) {
		t.l.complete(t.m, o, t.settle)
	}
}

// complete reports a finished task to the loop and cuts its poll short.
// It never blocks: done has room for every message in flight.
func (l *Listener) complete(m *poller.Message, o poller.Outcome, settle bool) {
	l.done <- completion{msg: m, outcome: o, settle: settle}
	if cancel := l.wake.Swap(nil); cancel != nil {
		(*cancel)()
	}
}
