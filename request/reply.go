package request

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
// does, but never longer than missingFor: the deadline comes from the
// message's time to live, which its sender sets, and a sender naming a
// queue that does not exist with a TTL of days would otherwise hold an
// executor slot for days. A queue still missing then is remembered for a
// while (obsolete) and later replies to it get one attempt each, no wait,
// so a sender naming queues that do not exist costs one wait per queue,
// not one per message, while a caller whose queue comes back (after a
// failover) gets its replies again at once. Failures that another attempt would only repeat (the
// broker refuses the message, the transport closed) end at once.
type replier struct {
	pub        Publisher
	missingFor time.Duration // bound on waiting for a missing queue; 0 is none
	obsolete   obsoleteQueues
}

// send publishes body, an encoded reply, to queue, retrying as described
// until deadline or ctx ends.
func (p *replier) send(ctx context.Context, queue string, body []byte, deadline time.Time) error {
	parent := ctx
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if p.obsolete.has(queue, time.Now()) {
		return p.sendOnce(ctx, queue, body)
	}
	missing := ctx // how long to wait for a missing queue
	if p.missingFor > 0 {
		var cancelMissing context.CancelFunc
		missing, cancelMissing = context.WithTimeout(ctx, p.missingFor)
		defer cancelMissing()
	}
	for {
		err := p.publishBody(ctx, queue, body)
		if err == nil || !errors.Is(err, transport.ErrUnroutable) {
			return err
		}
		t := time.NewTimer(missingQueueRetry)
		select {
		case <-t.C:
		case <-missing.Done():
			t.Stop()
			if parent.Err() != nil { // stopping, not the caller's deadline
				return fmt.Errorf("%w (%w)", parent.Err(), err)
			}
			p.obsolete.add(queue, time.Now())
			return fmt.Errorf("%w: %q, until the caller's deadline or for %s: %w",
				errReplyQueueGone, queue, p.missingFor, err)
		}
		// Another reply to queue may have found it missing until its own
		// deadline meanwhile: this one would only repeat that.
		if p.obsolete.has(queue, time.Now()) {
			return fmt.Errorf("%w: %q, until an earlier reply's deadline: %w", errReplyQueueGone, queue, err)
		}
	}
}

// sendDeferred is send for a caller that does not wait: with a publisher
// that can (transport.AsyncPublisher), the first attempt is handed over
// and done receives its outcome from the transport; an attempt that fails
// is retried by send, on a goroutine that ends with done. done is called
// exactly once, possibly before sendDeferred returns, and must not block.
func (p *replier) sendDeferred(ctx context.Context, queue string, body []byte, deadline time.Time, done func(error)) {
	ap, ok := p.pub.(transport.AsyncPublisher)
	if !ok || p.obsolete.has(queue, time.Now()) {
		done(p.send(ctx, queue, body, deadline))
		return
	}
	msg := transport.Message{Body: body, Mandatory: true}
	err := ap.PublishAsync(ctx, transport.ReplyAddress(queue), msg, func(err error) {
		if err == nil {
			done(nil)
			return
		}
		// Rare (a reply queue not there yet, a lost connection): the retries
		// wait, which the transport's goroutine must not.
		go func() { done(p.send(ctx, queue, body, deadline)) }()
	})
	if err != nil { // not sent: send tries again, and retries, here
		done(p.send(ctx, queue, body, deadline))
	}
}

// sendOnce makes one attempt to reply to an obsolete queue, without
// waiting for it: a queue that is back (its caller's consumer reconnected
// and declared it again, after a failover) is obsolete no more; one still
// missing costs one publish the broker answers at once.
func (p *replier) sendOnce(ctx context.Context, queue string, body []byte) error {
	err := p.publishBody(ctx, queue, body)
	switch {
	case err == nil:
		p.obsolete.forget(queue)
	case errors.Is(err, transport.ErrUnroutable):
		err = fmt.Errorf("%w: %q, missing until an earlier reply's deadline and still: %w", errReplyQueueGone, queue, err)
	}
	return err
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

// forget drops queue, which is back.
func (o *obsoleteQueues) forget(queue string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.until[queue]; ok {
		delete(o.until, queue)
		o.order = slices.DeleteFunc(o.order, func(q string) bool { return q == queue })
	}
}

func (o *obsoleteQueues) add(queue string, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.until == nil {
		o.until = make(map[string]time.Time, obsoleteSize)
	}
	if i := slices.Index(o.order, queue); i >= 0 {
		// Found missing again: it is now the newest, not the oldest.
		o.order = slices.Delete(o.order, i, i+1)
	} else if len(o.order) == obsoleteSize {
		delete(o.until, o.order[0])
		o.order = slices.Delete(o.order, 0, 1)
	}
	o.order = append(o.order, queue)
	o.until[queue] = now.Add(obsoleteTTL)
}
