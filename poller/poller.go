package poller

import (
	"context"
	"errors"
	"time"
)

// Errors after which a Poller delivers nothing more; the listener stops on
// them.
var (
	// ErrClosed is returned by a Poller used after Close.
	ErrClosed = errors.New("poller: closed")
	// ErrGaveUp is wrapped by a Poller whose transport stopped reconnecting
	// (rabbit_max_retries ran out).
	ErrGaveUp = errors.New("poller: gave up reconnecting")
)

// Message is one delivery from a queue. Only the listener loop settles it.
type Message struct {
	// Body is the raw message body (for oslo.messaging, the JSON envelope).
	Body []byte
	// ContentType is the body's MIME type as the publisher set it.
	ContentType string
	// Headers are the transport headers, when any.
	Headers map[string]any
	// Queue names the queue the message came from, for logs.
	Queue string
	// Redelivered is set when the transport delivered this message before and
	// it was requeued or its consumer went away unacknowledged.
	Redelivered bool
	// Deliveries counts deliveries of this message including this one, when the
	// transport knows it (the embedded bus, quorum queues); 0 when unknown.
	Deliveries int
	// Received is when the poller took the message off the transport.
	Received time.Time
	// Deadline is when the sender stops caring for the message, from its
	// time to live (an oslo caller sets it to the call's timeout): on a
	// broker, Received plus the TTL, a bound since its time queued is
	// unknown. Zero when the message has none.
	Deadline time.Time

	// Tag identifies the delivery to the Poller that returned it and means
	// nothing to anyone else.
	Tag uint64
	// Generation identifies the connection or channel that delivered the
	// message, so a Poller can tell settlements for a channel that is gone.
	Generation uint64
}

// Outcome is what the listener loop does with a message once it is handled.
type Outcome uint8

const (
	// Ack removes the message from its queue: it was handled (or is a duplicate).
	Ack Outcome = iota
	// Requeue returns the message to its queue for another delivery.
	Requeue
	// Reject removes the message without handling it; where the queue has a
	// dead-letter exchange the broker moves it there.
	Reject
)

func (o Outcome) String() string {
	switch o {
	case Ack:
		return "ack"
	case Requeue:
		return "requeue"
	case Reject:
		return "reject"
	}
	return "unknown"
}

// Settlement pairs a message with its outcome.
type Settlement struct {
	Msg     *Message
	Outcome Outcome
}

// Poller is a source of messages for one listener loop.
type Poller interface {
	// Poll returns up to max messages. It waits at most timeout for the first
	// one, then takes whatever else is ready without waiting. On timeout it
	// returns an empty batch and a nil error. When ctx is done it returns at
	// once: with the messages already taken and a nil error if there are any,
	// otherwise with ctx.Err(). A message is never taken and then dropped.
	Poll(ctx context.Context, timeout time.Duration, max int) ([]*Message, error)

	// Settle applies outcomes to messages this Poller returned. Settlements for
	// messages of a connection that has since been lost are skipped: the broker
	// has already put those messages back.
	Settle(ctx context.Context, batch []Settlement) error

	// Close stops consuming. Messages returned by Poll and not settled go back
	// to their queue. The network I/O it does (a close handshake) ends when
	// ctx does, dropping the connection instead, which the broker takes the
	// same way. Close is idempotent.
	Close(ctx context.Context) error
}
