package rabbit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rpcexec/rpcexec/transport"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// Publish implements transport.Transport. It waits for the broker's confirm, so a
// nil error means the broker has the message (and, when Mandatory, has
// queued it). Through an outage it retries per PublishRetry, moving to the
// next broker at once and waiting Backoff after each round of them; a
// retried publish may arrive twice, which receivers drop by _unique_id.
func (r *Rabbit) Publish(ctx context.Context, to transport.Address, m transport.Message) error {
	if r.pool.isClosed() {
		return transport.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err // before taking a connection, which a cancelled wait would discard
	}
	msg := amqp091.Publishing{
		ContentType:  "application/json",
		DeliveryMode: amqp091.Persistent, // as oslo.messaging sends everything
		Body:         m.Body,
	}
	if m.Expiration > 0 { // whole milliseconds, rounded up so it never means "now"
		msg.Expiration = strconv.FormatInt(int64((m.Expiration+time.Millisecond-1)/time.Millisecond), 10)
	}
	var tried []string
	for attempt := 1; ; attempt++ {
		h, err := r.publishOnce(ctx, to, m.Mandatory, msg)
		if h.Hostname != "" && !slices.Contains(tried, h.Addr()) {
			tried = append(tried, h.Addr())
		}
		if err == nil || !retryable(err) {
			return err
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

// publishOnce makes one attempt on one pooled connection and says which
// broker it used.
func (r *Rabbit) publishOnce(ctx context.Context, to transport.Address, mandatory bool, msg amqp091.Publishing) (transport.Host, error) {
	c, h, err := r.pool.get(ctx)
	if err != nil {
		return h, err
	}
	dc, err := c.ch.PublishWithDeferredConfirm(to.Exchange, to.RoutingKey, mandatory, false, msg)
	if err != nil {
		r.pool.discard(c)
		return h, err
	}
	select {
	case <-dc.Done():
	case <-ctx.Done():
		// Its confirm or return may still arrive and be taken for the next
		// message's: the connection is not reused.
		r.pool.discard(c)
		return h, ctx.Err()
	}
	if dc.Acked() {
		// A return comes before the confirm of its message, on the same
		// channel, so it is here by now if there is one.
		select {
		case ret, ok := <-c.returns:
			if !ok { // the channel closed after the confirm: the broker has the message
				r.pool.discard(c)
				return h, nil
			}
			r.pool.put(c)
			return h, fmt.Errorf("%w: exchange %s has no queue for routing key %q (%s)",
				transport.ErrUnroutable, exchangeLabel(ret.Exchange), ret.RoutingKey, ret.ReplyText)
		default:
			r.pool.put(c)
			return h, nil
		}
	}
	r.pool.discard(c)
	if e := <-c.closed; e != nil { // closed (after sending e) once the channel is gone
		if e.Code == amqp091.NotFound {
			return h, fmt.Errorf("%w: %s (routing key %q): no server of this topic has declared it yet: %w",
				transport.ErrNoExchange, exchangeLabel(to.Exchange), to.RoutingKey, e)
		}
		return h, e
	}
	if r.pool.isClosed() {
		return h, transport.ErrClosed
	}
	return h, fmt.Errorf("%w (basic.nack) published to %s", transport.ErrRefused, label(to))
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
