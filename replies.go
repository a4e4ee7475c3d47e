package rpcexec

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rpcexec/rpcexec/heartbeat"
	"github.com/rpcexec/rpcexec/listener"
	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/wire"
)

// ReplyPrefetch bounds the replies in flight on a client's reply queue
// (the prefetch its consumer asks for); routing a reply to its waiter takes
// microseconds, so a small window suffices.
const ReplyPrefetch = 64

var (
	errNoReply     = errors.New("no reply")
	errNoHeartbeat = errors.New("no call-monitor heartbeat")
)

// replyQueue is a client's reply queue. One goroutine, its loop, polls it,
// hands each reply to the call waiting for its _msg_id, acknowledges the
// batch and checks the connection's heartbeat when due: routing a reply
// never blocks, so it needs neither an executor nor a listener's
// bookkeeping. close stops the loop, waits for it and closes the poller.
type replyQueue struct {
	queue string
	p     poller.Poller
	log   *slog.Logger
	poll  time.Duration // poll timeout
	beat  time.Duration // heartbeat check interval; 0 for none
	stop  context.CancelFunc
	done  chan struct{}

	mu      sync.Mutex
	waiters map[string]*waiter
}

// waiter is one call waiting for its reply. route sets final (the ending
// reply) and signals notify under the queue's lock, so once forget has
// taken a waiter out of the map nothing else touches it and it is recycled.
type waiter struct {
	notify chan struct{} // capacity 1: a reply or a heartbeat arrived
	final  atomic.Pointer[wire.Reply]
	timer  *time.Timer // the call's deadline, reused from call to call
}

var waiterPool = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &waiter{notify: make(chan struct{}, 1), timer: t}
}}

func startReplyQueue(ctx context.Context, tr transport.Transport, cfg *Config) (*replyQueue, error) {
	queue, p, err := tr.ListenReplies(ctx, ReplyPrefetch)
	if err != nil {
		return nil, err
	}
	beat, _ := heartbeat.Interval(cfg.HeartbeatTimeoutThreshold.Std(), cfg.HeartbeatRate)
	rq := &replyQueue{queue: queue, p: p, log: cfg.logger(), poll: cfg.PollTimeout.Std(), beat: beat,
		done: make(chan struct{}), waiters: make(map[string]*waiter)}
	loopCtx, stop := context.WithCancel(context.Background())
	rq.stop = stop
	go rq.loop(loopCtx)
	return rq, nil
}

func (rq *replyQueue) expect(msgID string) *waiter {
	w := waiterPool.Get().(*waiter)
	rq.mu.Lock()
	rq.waiters[msgID] = w
	rq.mu.Unlock()
	return w
}

// forget takes the waiter of msgID out of the map and recycles it.
func (rq *replyQueue) forget(msgID string, w *waiter) {
	rq.mu.Lock()
	delete(rq.waiters, msgID)
	rq.mu.Unlock()
	select {
	case <-w.notify:
	default:
	}
	w.final.Store(nil)
	waiterPool.Put(w)
}

// loop is the reply queue's goroutine.
func (rq *replyQueue) loop(ctx context.Context) {
	defer close(rq.done)
	checker, _ := rq.p.(heartbeat.Checker)
	beat := heartbeat.NewSchedule(rq.beat, time.Now())
	acks := make([]poller.Settlement, 0, ReplyPrefetch)
	for ctx.Err() == nil {
		if checker != nil && beat.Due(time.Now()) {
			if err := checker.CheckHeartbeat(ctx); err != nil && ctx.Err() == nil {
				rq.log.Warn("rpcexec: reply queue heartbeat check failed", "queue", rq.queue, "err", err)
			}
		}
		msgs, err := rq.p.Poll(ctx, min(rq.poll, beat.Until(time.Now())), ReplyPrefetch)
		for _, m := range msgs {
			rq.route(m.Body)
			acks = append(acks, poller.Settlement{Msg: m, Outcome: poller.Ack})
		}
		if len(acks) > 0 {
			if err := rq.p.Settle(context.Background(), acks); err != nil {
				rq.log.Warn("rpcexec: acknowledging replies failed; the broker will redeliver them",
					"queue", rq.queue, "count", len(acks), "err", err)
			}
			clear(acks)
			acks = acks[:0]
		}
		if err != nil && ctx.Err() == nil && !rq.pollFailed(ctx, err) {
			return
		}
	}
}

// pollFailed logs a failed poll and waits before the next one; it reports
// false when the poller can deliver no more.
func (rq *replyQueue) pollFailed(ctx context.Context, err error) bool {
	if errors.Is(err, poller.ErrClosed) || errors.Is(err, poller.ErrGaveUp) {
		rq.log.Error("rpcexec: the reply queue can deliver no more; calls will time out", "queue", rq.queue, "err", err)
		return false
	}
	rq.log.Warn("rpcexec: polling the reply queue failed; retrying", "queue", rq.queue, "err", err, "retry_in", rq.poll)
	t := time.NewTimer(rq.poll)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return true
}

// route hands a reply to its waiter; it never blocks, so one slow caller
// cannot hold up the others' replies.
func (rq *replyQueue) route(body []byte) {
	r, err := wire.DecodeReply(body)
	if err != nil {
		rq.log.Warn("rpcexec: dropped a malformed reply", "queue", rq.queue, "err", err)
		return
	}
	rq.mu.Lock()
	defer rq.mu.Unlock()
	w := rq.waiters[r.MsgID]
	if w == nil {
		rq.log.Debug("rpcexec: dropped a reply nobody waits for (late or duplicate)", "msg_id", r.MsgID)
		return
	}
	if r.Ending && !w.final.CompareAndSwap(nil, r) {
		return // a duplicate final reply
	}
	select {
	case w.notify <- struct{}{}:
	default: // a signal is already pending
	}
}

// wait returns the final reply, or errNoReply after timeout, or
// errNoHeartbeat when monitor > 0 passes without a heartbeat or reply.
func (w *waiter) wait(ctx context.Context, timeout, monitor time.Duration) (*wire.Reply, error) {
	w.timer.Reset(timeout)
	defer w.timer.Stop()
	var silence *time.Timer
	var silent <-chan time.Time // nil, never ready, without a monitor
	if monitor > 0 {
		silence = time.NewTimer(monitor)
		defer silence.Stop()
		silent = silence.C
	}
	for {
		select {
		case <-w.notify:
			if r := w.final.Load(); r != nil {
				return r, nil
			}
			if silence != nil { // a heartbeat
				silence.Reset(monitor)
			}
		case <-silent:
			return nil, errNoHeartbeat
		case <-w.timer.C:
			return nil, errNoReply
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// close stops the loop, waits for it and closes the poller, which deletes
// the queue, within listener.CloseTimeout.
func (rq *replyQueue) close() error {
	rq.stop()
	<-rq.done
	ctx, cancel := context.WithTimeout(context.Background(), listener.CloseTimeout)
	defer cancel()
	return rq.p.Close(ctx)
}
