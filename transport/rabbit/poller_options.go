package rabbit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// ErrUnknownDelivery is wrapped by Settle for a message a Poller did not
// deliver on its current channel, or one already settled. Such a settlement
// is never sent: RabbitMQ closes the channel on an unknown tag.
var ErrUnknownDelivery = errors.New("rabbit: unknown delivery")

// errInvalidConsume is wrapped by newPoller's validation errors: a bug in
// this package, never the operator's doing.
var errInvalidConsume = errors.New("rabbit: invalid consumer options")

// connector makes one connection attempt. The dialer rotates over the
// URL's hosts, negotiates the heartbeat and TLS. It must return soon after
// ctx is done, also in the middle of the AMQP handshake, and it must leave
// amqp091's Config.Recovery nil: the Poller recovers by itself (see
// consume_doc.go).
type connector func(ctx context.Context) (*link, error)

// declarerFunc declares, on a fresh channel, what the poller consumes
// (exchanges, queues, bindings) and returns the queue names to consume. It
// is called on every (re)connect, so it must be idempotent.
type declarerFunc func(ch *amqp091.Channel) (queues []string, err error)

// consumeOptions tune a Poller.
type consumeOptions struct {
	// Prefetch is the basic.qos prefetch count, applied per consumer as
	// oslo.messaging does (global=false; quorum queues refuse a global one).
	// It must be between 1 and 65535: an unbounded prefetch lets a busy
	// broker flood the process.
	Prefetch int
	// RetryDelay is the wait before reconnect attempt n (1-based) after a
	// loss; nil waits 1 s every time. The transport passes its backoff with
	// jitter here.
	RetryDelay func(attempt int) time.Duration
	// Silence is how long nothing may arrive on the connection before
	// CheckHeartbeat declares it dead and reconnects: the heartbeat
	// threshold less one check interval, so that the check at
	// threshold/rate/2 finds a silent broker within the threshold. 0
	// disables the check (no heartbeats: an idle connection is silent).
	Silence time.Duration
	// Verify is how often a session checks that the queues it consumes
	// still exist (see verify.go); 0 never.
	Verify time.Duration
	// MaxRetries, when > 0, is the number of failed reconnect attempts in a
	// row after which Poll returns poller.ErrGaveUp; 0 reconnects forever.
	MaxRetries int
	// Logger receives connection losses, failed attempts and recoveries;
	// slog.Default() when nil.
	Logger *slog.Logger
}

// defaultRetryDelay is RetryDelay's value when nil: rabbit_retry_interval.
const defaultRetryDelay = time.Second

func (o *consumeOptions) validate() error {
	switch {
	case o.Prefetch < 1 || o.Prefetch > math.MaxUint16:
		return fmt.Errorf("%w: prefetch must be between 1 and %d, got %d", errInvalidConsume, math.MaxUint16, o.Prefetch)
	case o.MaxRetries < 0:
		return fmt.Errorf("%w: max retries must be >= 0 (0 retries forever), got %d", errInvalidConsume, o.MaxRetries)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}

// retryDelay is the wait before reconnect attempt n.
func (o *consumeOptions) retryDelay(n int) time.Duration {
	if o.RetryDelay == nil {
		return defaultRetryDelay
	}
	return max(o.RetryDelay(n), 0)
}
