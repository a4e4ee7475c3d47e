package memory

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"time"
)

// Publishing is a message to publish, the fields of an AMQP basic.publish
// that the bus honours.
type Publishing struct {
	Body        []byte
	ContentType string
	Headers     map[string]any
	// Expiration is the message's time to live; 0 means none. An expired
	// message is discarded (or dead-lettered) instead of delivered.
	Expiration time.Duration
	// Mandatory makes a message that no queue receives an ErrUnroutable error
	// instead of a silent drop.
	Mandatory bool
}

// QueueFullError reports a publish refused because a queue it routes to is at
// its limit. Nothing was published, to that queue or any other.
type QueueFullError struct {
	Queue string
	Limit int
}

func (e *QueueFullError) Error() string {
	return fmt.Sprintf("memory: queue %q is full (%d messages), nothing was published: "+
		"consume faster, or raise the limit (QueueOptions.MaxLength, WithQueueLimit)", e.Queue, e.Limit)
}

func (e *QueueFullError) Unwrap() error { return ErrQueueFull }

// Publish routes a message through exchange ("" is the default exchange,
// which routes to the queue named key) and appends it to every queue it
// reaches. It never waits: a full queue is an error at once.
//
// A publish is all or nothing: when any target queue is full none receives
// the message and the error is a *QueueFullError, so retrying cannot create
// duplicates. (RabbitMQ's reject-publish would deliver to the others and nack.)
//
// Body and Headers are copied (Headers shallowly), so the caller may reuse
// them; consumers must treat what they receive as read-only.
func (b *Bus) Publish(ctx context.Context, exchange, key string, p Publishing) error {
	p.Body = bytes.Clone(p.Body)
	return b.publish(ctx, exchange, key, p)
}

// publish is Publish keeping p.Body, which its caller hands over.
func (b *Bus) publish(ctx context.Context, exchange, key string, p Publishing) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.Expiration < 0 {
		return fmt.Errorf("%w: expiration must be >= 0, got %v", ErrInvalidArgument, p.Expiration)
	}
	e := entry{body: p.Body, contentType: p.ContentType, headers: maps.Clone(p.Headers), key: key}
	if p.Expiration > 0 {
		e.expires = b.since() + p.Expiration
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	targets, err := b.route(exchange, key)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		if p.Mandatory {
			return fmt.Errorf("%w: exchange %q routes key %q to no queue", ErrUnroutable, exchange, key)
		}
		return nil
	}
	return put(targets, e)
}

// route resolves exchange and key to queues. The caller holds b.mu.
func (b *Bus) route(exchange, key string) ([]*queue, error) {
	if exchange == "" {
		if q, ok := b.queues[key]; ok {
			return q.self, nil
		}
		return nil, nil
	}
	x, ok := b.exchanges[exchange]
	if !ok {
		return nil, fmt.Errorf("%w: %q (publishing key %q; declare the exchange first)", ErrNoExchange, exchange, key)
	}
	return x.route(key), nil
}

// put appends e to every target or to none. Targets come sorted by id, the
// lock order, and are all locked before any is checked for room. The caller
// holds Bus.mu, so no target can be deleted meanwhile.
func put(targets []*queue, e entry) error {
	for _, q := range targets {
		q.mu.Lock()
	}
	var err error
	for _, q := range targets {
		if q.ready.n >= q.limit {
			err = &QueueFullError{Queue: q.name, Limit: q.limit}
			break
		}
	}
	for _, q := range targets {
		if err == nil {
			q.push(e)
		}
		q.mu.Unlock()
	}
	return err
}

// Dead-letter reasons, as RabbitMQ writes them in x-first-death-reason.
const (
	reasonRejected = "rejected"
	reasonExpired  = "expired"
)

// deadLetter republishes a message removed from q through q's dead-letter
// exchange with its original routing key. As on RabbitMQ this is best effort:
// a missing exchange, no route or a full queue drops the message. The caller
// holds no queue lock.
func (b *Bus) deadLetter(q *queue, e entry, reason string) {
	h := make(map[string]any, len(e.headers)+2)
	maps.Copy(h, e.headers)
	if _, ok := h["x-first-death-reason"]; !ok {
		h["x-first-death-reason"] = reason
		h["x-first-death-queue"] = q.name
	}
	e.headers, e.expires, e.deliveries = h, 0, 0
	b.mu.RLock()
	defer b.mu.RUnlock()
	if targets, err := b.route(q.opts.DeadLetterExchange, e.key); err == nil && len(targets) > 0 {
		_ = put(targets, e) // best effort, see above
	}
}
