package amqp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec/poller"
)

// Errors of this package. Each is wrapped with what happened.
var (
	// ErrGaveUp is returned by Poll (and CheckHeartbeat) once MaxRetries
	// reconnect attempts in a row have failed, wrapped with the last cause.
	// The Poller stays in that state: only Close is left to do.
	ErrGaveUp = poller.ErrGaveUp
	// ErrInvalidOptions is wrapped by New's validation errors.
	ErrInvalidOptions = errors.New("amqp: invalid options")
	// ErrUnknownDelivery is wrapped by Settle for a message this Poller did
	// not deliver on its current channel, or one already settled. Such a
	// settlement is never sent: RabbitMQ closes the channel on an unknown tag.
	ErrUnknownDelivery = errors.New("amqp: unknown delivery")
)

// Connector makes one connection attempt. The transport rotates over the
// URL's hosts, negotiates the heartbeat and TLS. It must return soon after
// ctx is done, also in the middle of the AMQP handshake, and it must leave
// amqp091's Config.Recovery nil: the Poller recovers by itself (see the
// package documentation).
type Connector func(ctx context.Context) (*amqp091.Connection, error)

// Declarer declares, on a fresh channel, what the poller consumes
// (exchanges, queues, bindings) and returns the queue names to consume. It
// is called on every (re)connect, so it must be idempotent.
type Declarer func(ch *amqp091.Channel) (queues []string, err error)

// Options tune a Poller.
type Options struct {
	// Prefetch is the basic.qos prefetch count, applied per consumer as
	// oslo.messaging does (global=false; quorum queues refuse a global one).
	// It must be between 1 and 65535: an unbounded prefetch lets a busy
	// broker flood the process.
	Prefetch int
	// RetryDelay is the wait before reconnect attempt n (1-based) after a
	// loss; nil waits 1 s every time. The transport passes its backoff with
	// jitter here.
	RetryDelay func(attempt int) time.Duration
	// MaxRetries, when > 0, is the number of failed reconnect attempts in a
	// row after which Poll returns ErrGaveUp; 0 reconnects forever.
	MaxRetries int
	// Logger receives connection losses, failed attempts and recoveries;
	// slog.Default() when nil.
	Logger *slog.Logger
}

// defaultRetryDelay is RetryDelay's value when nil: rabbit_retry_interval.
const defaultRetryDelay = time.Second

func (o *Options) validate() error {
	switch {
	case o.Prefetch < 1 || o.Prefetch > math.MaxUint16:
		return fmt.Errorf("%w: prefetch must be between 1 and %d, got %d", ErrInvalidOptions, math.MaxUint16, o.Prefetch)
	case o.MaxRetries < 0:
		return fmt.Errorf("%w: max retries must be >= 0 (0 retries forever), got %d", ErrInvalidOptions, o.MaxRetries)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}

// retryDelay is the wait before reconnect attempt n.
func (o *Options) retryDelay(n int) time.Duration {
	if o.RetryDelay == nil {
		return defaultRetryDelay
	}
	return max(o.RetryDelay(n), 0)
}
