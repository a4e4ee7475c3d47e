package rabbit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rpcexec/rpcexec/transport"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// Publish implements transport.Transport. It waits for the broker's confirm, so a
// nil error means the broker has the message (and, when Mandatory, has
// queued it). Many publishes share a connection's channel at once (see
// pubConn); waiting for the confirm holds nothing but the caller. Through
// an outage it retries per PublishRetry, moving to the next broker at once
// and waiting Backoff after each round of them; a retried publish may
// arrive twice, which receivers drop by _unique_id.
func (r *Rabbit) Publish(ctx context.Context, to transport.Address, m transport.Message) error {
	if r.pool.isClosed() {
		return transport.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err // before taking a slot, which a cancelled wait would hold until the confirm
	}
	msg := r.publishing(m)
	var tried []string
	resends := maxResends
	for attempt := 1; ; attempt++ {
		h, err := r.publishOnce(ctx, to, m.Mandatory, msg)
		if h.Hostname != "" && !slices.Contains(tried, h.Addr()) {
			tried = append(tried, h.Addr())
		}
		if err == nil {
			return nil
		}
		if r.pool.isClosed() {
			return transport.ErrClosed
		}
		var lost *lostError
		if errors.As(err, &lost) && lost.soft() && resends > 0 && ctx.Err() == nil {
			// The broker closed the shared channel over some message, maybe
			// another one: send again at once, as a resend and not a retry.
			resends--
			attempt--
			continue
		}
		if !retryable(err) {
			if errors.Is(err, transport.ErrRefused) {
				return fmt.Errorf("%w published to %s", err, label(to))
			}
			return explainLost(to, err)
		}
		if r.opts.PublishRetry >= 0 && attempt > r.opts.PublishRetry {
			return fmt.Errorf("rabbit: publish to %s failed after %d attempts (hosts tried: %s): %w",
				label(to), attempt, strings.Join(tried, ", "), err)
		}
		delay := r.backoff(attempt)
		r.stats.publishRetries.Add(1)
		r.opts.Logger.Warn("rabbit: publish failed; retrying", "to", label(to), "attempt", attempt,
			"host", h.Addr(), "retry_in", delay, "err", err)
		if werr := r.wait(ctx, delay); werr != nil {
			return fmt.Errorf("rabbit: publish to %s stopped after %d attempts (hosts tried: %s): %w; last error: %w",
				label(to), attempt, strings.Join(tried, ", "), werr, err)
		}
	}
}

// maxResends bounds the resends of one message whose channel the broker
// closed over a message (it may have been this one, which then fails).
const maxResends = 2

// publishOnce makes one attempt on one pooled connection, waits for the
// broker's answer or ctx, and says which broker it used. A caller that
// stops waiting leaves its message to the connection's dispatcher, which
// frees its slot when the answer comes.
func (r *Rabbit) publishOnce(ctx context.Context, to transport.Address, mandatory bool, msg amqp091.Publishing) (transport.Host, error) {
	c, h, err := r.pool.get(ctx)
	if err != nil {
		return h, err
	}
	if err := r.pool.checkExchange(ctx, c, to); err != nil {
		r.pool.put(c)
		return h, err
	}
	w := waiters.Get().(*waiter)
	if err := c.publish(to, mandatory, msg, w); err != nil {
		waiters.Put(w)
		return h, err
	}
	select {
	case err := <-w.result:
		waiters.Put(w) // the dispatcher is done with it once it has answered
		return h, err
	case <-ctx.Done():
		return h, ctx.Err() // w is left to the dispatcher, and then to the collector
	}
}

// waiters recycles the waiters of synchronous publishes.
var waiters = sync.Pool{New: func() any { return &waiter{result: make(chan error, 1)} }}

// PublishAsync implements transport.AsyncPublisher: one attempt, which
// returns once the message is written to a publishing channel; done then
// receives the broker's answer (nil: it has the message), or the loss of the
// channel, exactly once, on the connection's dispatcher goroutine, which
// done must not block. It waits for a connection, and for a slot of its
// window, as long as ctx allows. An error returned means the message was
// not sent and done is not called; a caller that wants Publish's retries
// through an outage calls Publish then.
func (r *Rabbit) PublishAsync(ctx context.Context, to transport.Address, m transport.Message, done func(error)) error {
	if r.pool.isClosed() {
		return transport.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c, _, err := r.pool.get(ctx)
	if err != nil {
		return err
	}
	if err := r.pool.checkExchange(ctx, c, to); err != nil {
		r.pool.put(c)
		return err
	}
	return c.publish(to, m.Mandatory, r.publishing(m), &waiter{done: done})
}

// publishing is m as oslo.messaging sends it.
func (r *Rabbit) publishing(m transport.Message) amqp091.Publishing {
	msg := amqp091.Publishing{
		ContentType:  "application/json",
		DeliveryMode: amqp091.Persistent, // as oslo.messaging sends everything
		Body:         m.Body,
	}
	if m.Expiration > 0 {
		msg.Expiration = expiration(m.Expiration)
	}
	return msg
}

// expiration writes d as AMQP's expiration, whole milliseconds rounded up
// so it never means "now". Callers use the same few timeouts over and
// over, so the last one written is kept.
func expiration(d time.Duration) string {
	if last := lastExpiration.Load(); last != nil && last.d == d {
		return last.s
	}
	e := &expirationText{d: d, s: strconv.FormatInt(int64((d+time.Millisecond-1)/time.Millisecond), 10)}
	lastExpiration.Store(e)
	return e.s
}

type expirationText struct {
	d time.Duration
	s string
}

var lastExpiration atomic.Pointer[expirationText]

// explainLost names the exchange of a message whose channel the broker
// closed because the exchange does not exist.
func explainLost(to transport.Address, err error) error {
	var lost *lostError
	if errors.As(err, &lost) && lost.cause != nil && lost.cause.Code == amqp091.NotFound {
		return fmt.Errorf("%w: %s (routing key %q): no server of this topic has declared it yet: %w",
			transport.ErrNoExchange, exchangeLabel(to.Exchange), to.RoutingKey, err)
	}
	return err
}

// retryable tells failures of the connection, which another attempt may
// get past, from answers about the message, which it would only repeat.
func retryable(err error) bool {
	var ae *amqp091.Error
	switch {
	case errors.Is(err, transport.ErrClosed), errors.Is(err, transport.ErrUnroutable), errors.Is(err, transport.ErrNoExchange),
		errors.Is(err, transport.ErrRefused),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.As(err, &ae):
		// Soft (channel) errors the broker sends are about this message:
		// access refused, not found, precondition failed.
		return !(ae.Server && ae.Recover)
	}
	return true
}

// wait sleeps d, or less if ctx ends or the transport closes.
func (r *Rabbit) wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-r.pool.done:
		return transport.ErrClosed
	}
}

// label writes an address as exchange/routing-key for errors and logs.
func label(a transport.Address) string {
	if a.Exchange == "" {
		return "(default exchange)/" + a.RoutingKey
	}
	return a.Exchange + "/" + a.RoutingKey
}

func exchangeLabel(name string) string {
	if name == "" {
		return `"" (the default exchange)`
	}
	return strconv.Quote(name)
}

var _ transport.AsyncPublisher = (*Rabbit)(nil)
