package rpcexec

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/rpcexec/rpcexec/executor"
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

// replyQueue is a client's reply queue: a listener loop with the blocking
// executor hands each reply to the call waiting for its _msg_id.
type replyQueue struct {
	queue string
	lis   *listener.Listener
	log   *slog.Logger

	mu      sync.Mutex
	waiters map[string]*waiter
}

// waiter is one call waiting: final receives the ending reply, beat a
// signal per call-monitor heartbeat.
type waiter struct {
	final chan *wire.Reply
	beat  chan struct{}
}

func startReplyQueue(ctx context.Context, tr transport.Transport, cfg *Config) (*replyQueue, error) {
	queue, p, err := tr.ListenReplies(ctx, ReplyPrefetch)
	if err != nil {
		return nil, err
	}
	rq := &replyQueue{queue: queue, log: cfg.logger(), waiters: make(map[string]*waiter)}
	beat, _ := heartbeat.Interval(cfg.HeartbeatTimeoutThreshold.Std(), cfg.HeartbeatRate)
	rq.lis, err = listener.New(p, executor.NewBlocking(), listener.HandlerFunc(rq.route), listener.Config{
		Prefetch: ReplyPrefetch, PollTimeout: cfg.PollTimeout.Std(), HeartbeatInterval: beat, Logger: rq.log,
	})
	if err != nil {
		return nil, errors.Join(err, p.Close(ctx))
	}
	return rq, rq.lis.Start()
}

func (rq *replyQueue) expect(msgID string) *waiter {
	w := &waiter{final: make(chan *wire.Reply, 1), beat: make(chan struct{}, 1)}
	rq.mu.Lock()
	rq.waiters[msgID] = w
	rq.mu.Unlock()
	return w
}

func (rq *replyQueue) forget(msgID string) {
	rq.mu.Lock()
	delete(rq.waiters, msgID)
	rq.mu.Unlock()
}

// route runs on the reply loop: it never blocks, so one slow caller cannot
// hold up the others' replies.
func (rq *replyQueue) route(_ context.Context, m *poller.Message) poller.Outcome {
	r, err := wire.DecodeReply(m.Body)
	if err != nil {
		rq.log.Warn("rpcexec: dropped a malformed reply", "queue", rq.queue, "err", err)
		return poller.Ack
	}
	rq.mu.Lock()
	w := rq.waiters[r.MsgID]
	rq.mu.Unlock()
	switch {
	case w == nil:
		rq.log.Debug("rpcexec: dropped a reply nobody waits for (late or duplicate)", "msg_id", r.MsgID)
	case r.Ending:
		select {
		case w.final <- r:
		default: // a duplicate final reply
		}
	default:
		select {
		case w.beat <- struct{}{}:
		default: // a beat is already pending
		}
	}
	return poller.Ack
}

// wait returns the final reply, or errNoReply after timeout, or
// errNoHeartbeat when monitor > 0 passes without a heartbeat or reply.
func (w *waiter) wait(ctx context.Context, timeout, monitor time.Duration) (*wire.Reply, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	var silence *time.Timer
	var silent <-chan time.Time // nil, never ready, without a monitor
	if monitor > 0 {
		silence = time.NewTimer(monitor)
		defer silence.Stop()
		silent = silence.C
	}
	for {
		select {
		case r := <-w.final:
			return r, nil
		case <-w.beat:
			if silence != nil {
				silence.Reset(monitor)
			}
		case <-silent:
			return nil, errNoHeartbeat
		case <-deadline.C:
			return nil, errNoReply
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (rq *replyQueue) close() error { return rq.lis.Close() }
