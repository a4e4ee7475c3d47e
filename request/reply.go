package request

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/wire"
)

// Publisher sends a message; transport.Transport is one.
type Publisher interface {
	Publish(ctx context.Context, to transport.Address, m transport.Message) error
}

// missingQueueRetry is the wait between attempts to reply to a queue that
// is not there (yet): oslo.messaging waits 0.25 s, while the caller's
// client re-declares its reply queue after a failover.
const missingQueueRetry = 250 * time.Millisecond

// errReplyQueueGone is wrapped when a reply is dropped because its queue
// stayed missing until the caller's deadline, now or recently.
var errReplyQueueGone = errors.New("request: the caller's reply queue does not exist")

// replier publishes replies, each within its caller's deadline. A reply
// to a queue that is missing is retried until that deadline, as oslo
// does; a queue still missing then is remembered for a while (obsolete)
// and later replies to it are dropped at once, so a sender naming queues
// that do not exist costs one deadline per queue, not one per message.
// Failures that another attempt would only repeat (the broker refuses the
// message, the transport closed) end at once.
type replier struct {
	pub      Publisher
	obsolete obsoleteQueues
}

// send publishes r to queue, retrying as described until deadline or ctx
// ends.
func (p *replier) send(ctx context.Context, queue string, r *wire.Reply, deadline time.Time) error {
	body, err := p.encode(queue, r)
	if err != nil {
		return err
	}
	return p.sendBody(ctx, queue, body, deadline, nil)
}

// sendDeferred is send for a caller that does not wait: with a publisher
// that can (transport.AsyncPublisher), the first attempt is handed over
// and done receives its outcome from the transport; an attempt that fails
// is retried as send does, on a goroutine that ends with done. done is
// called exactly once, possibly before sendDeferred returns, and must not
// block.
func (p *replier) sendDeferred(ctx context.Context, queue string, r *wire.Reply, deadline time.Time, done func(error)) {
	body, err := p.encode(queue, r)
	if err != nil {
		done(err)
		return
	}
	ap, ok := p.pub.(transport.AsyncPublisher)
	if !ok {
		done(p.sendBody(ctx, queue, body, deadline, nil))
		return
	}
	msg := transport.Message{Body: body, Mandatory: true}
	err = ap.PublishAsync(ctx, transport.ReplyAddress(queue), msg, func(err error) {
		if err == nil {
			done(nil)
			return
		}
		// Rare (a reply queue not there yet, a lost connection): the retries
		// wait, which the transport's goroutine must not.
		go func() { done(p.sendBody(ctx, queue, body, deadline, err)) }()
	})
	if err != nil { // not sent: retry here, as send would
		done(p.sendBody(ctx, queue, body, deadline, nil))
	}
}

// encode encodes r, unless queue is known to be missing.
func (p *replier) encode(queue string, r *wire.Reply) ([]byte, error) {
	if p.obsolete.has(queue, time.Now()) {
		return nil, fmt.Errorf("%w: %q was missing until an earlier reply's deadline; dropped", errReplyQueueGone, queue)
	}
	return wire.EncodeReply(r)
}

// sendBody publishes body to queue until it is delivered, deadline passes
// or ctx ends. failed is the failure of an attempt already made, nil when
// there was none: a missing queue is tried again after missingQueueRetry,
// anything else at once (Publish then retries as the transport does).
func (p *replier) sendBody(ctx context.Context, queue string, body []byte, deadline time.Time, failed error) error {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	err := failed
	for {
		if err == nil {
			err = p.publishBody(ctx, queue, body)
			if err == nil || !errors.Is(err, transport.ErrUnroutable) {
				return err
			}
		} else if !errors.Is(err, transport.ErrUnroutable) {
			err = nil // the earlier attempt failed otherwise: again now
			continue
		}
		t := time.NewTimer(missingQueueRetry)
		select {
		case <-t.C:
			err = nil
		case <-ctx.Done():
			t.Stop()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				p.obsolete.add(queue, time.Now())
				return fmt.Errorf("%w: %q, until the caller's deadline: %w", errReplyQueueGone, queue, err)
			}
			return fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
	}
}

// publish makes one attempt to send r to queue.
func (p *replier) publish(ctx context.Context, queue string, r *wire.Reply) error {
	body, err := wire.EncodeReply(r)
	if err != nil {
		return err
	}
	return p.publishBody(ctx, queue, body)
}

func (p *replier) publishBody(ctx context.Context, queue string, body []byte) error {
	return p.pub.Publish(ctx, transport.ReplyAddress(queue), transport.Message{Body: body, Mandatory: true})
}

// Bounds of the obsolete reply queues, oslo's: 200 queues for 60 s.
const (
	obsoleteSize = 200
	obsoleteTTL  = time.Minute
)

// obsoleteQueues remembers reply queues found missing, each for
// obsoleteTTL, at most obsoleteSize of them (the oldest go first).
type obsoleteQueues struct {
	mu    sync.Mutex
	until map[string]time.Time
	order []string
}

func (o *obsoleteQueues) has(queue string, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.until[queue]
	return ok && now.Before(t)
}

func (o *obsoleteQueues) add(queue string, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.until == nil {
		o.until = make(map[string]time.Time, obsoleteSize)
	}
	if _, ok := o.until[queue]; !ok {
		if len(o.order) == obsoleteSize {
			delete(o.until, o.order[0])
			o.order = o.order[1:]
		}
		o.order = append(o.order, queue)
	}
	o.until[queue] = now.Add(obsoleteTTL)
}
