package memory

import (
	"cmp"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Errors returned by the bus. Each names what it is about in its text.
var (
	ErrNoExchange      = errors.New("memory: no such exchange")
	ErrNoQueue         = errors.New("memory: no such queue")
	ErrUnroutable      = errors.New("memory: unroutable message")
	ErrQueueFull       = errors.New("memory: queue full")
	ErrPrecondition    = errors.New("memory: precondition failed")
	ErrInvalidArgument = errors.New("memory: invalid argument")
	ErrUnknownDelivery = errors.New("memory: unknown delivery")

	errDefaultExchange = fmt.Errorf("%w: the default exchange \"\" is predeclared and takes no bindings", ErrInvalidArgument)
)

// DefaultQueueLimit bounds a queue declared with MaxLength 0 on a bus without
// WithQueueLimit: deep enough to absorb bursts, small enough that a consumer
// that has stopped is noticed as ErrQueueFull rather than as memory growth.
const DefaultQueueLimit = 1 << 16

// Kind is an exchange type.
type Kind uint8

// Exchange kinds. The zero Kind is not valid, so a forgotten kind is an error.
const (
	// Topic routes by binding key: exact keys, plus the AMQP wildcards "*"
	// (one dot-separated word) and "#" (zero or more words).
	Topic Kind = iota + 1
	// Fanout routes every message to every bound queue, ignoring the key.
	Fanout
)

func (k Kind) String() string {
	switch k {
	case Topic:
		return "topic"
	case Fanout:
		return "fanout"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// QueueOptions are a queue's arguments. Redeclaring a queue with other
// options is ErrPrecondition, as on RabbitMQ.
type QueueOptions struct {
	// MaxLength bounds the ready messages; 0 means the bus default. A
	// publish to a full queue fails with ErrQueueFull (RabbitMQ's
	// x-overflow=reject-publish). Requeues are never refused.
	MaxLength int
	// AutoDelete deletes the queue when its last consumer closes.
	AutoDelete bool
	// DeadLetterExchange, when set, receives rejected and expired messages
	// with their original routing key.
	DeadLetterExchange string
}

// Option configures a Bus.
type Option func(*Bus)

// WithQueueLimit sets the bound of queues declared with MaxLength 0.
// n < 1 leaves DefaultQueueLimit in place.
func WithQueueLimit(n int) Option {
	return func(b *Bus) {
		if n > 0 {
			b.limit = n
		}
	}
}

// Bus is an in-memory message broker shaped like a small RabbitMQ. It is safe
// for concurrent use and starts no goroutines.
type Bus struct {
	limit int
	epoch time.Time
	now   func() time.Time // time.Now; tests move it on to expire messages
	ids   atomic.Uint64    // Poller generations

	mu        sync.RWMutex // topology; taken before any queue's mutex
	exchanges map[string]*exchange
	queues    map[string]*queue
	queueSeq  uint64
}

// NewBus returns an empty bus with only the default exchange "".
func NewBus(opts ...Option) *Bus {
	b := &Bus{
		limit:     DefaultQueueLimit,
		epoch:     time.Now(),
		now:       time.Now,
		exchanges: make(map[string]*exchange),
		queues:    make(map[string]*queue),
	}
	for _, o := range opts {
		o(b)
	}
	return b
}

// since is the bus clock: monotonic time since the bus was made.
func (b *Bus) since() time.Duration { return b.now().Sub(b.epoch) }

// DeclareExchange creates an exchange, or does nothing if it exists with the
// same kind.
func (b *Bus) DeclareExchange(name string, kind Kind) error {
	if name == "" {
		return errDefaultExchange
	}
	if kind != Topic && kind != Fanout {
		return fmt.Errorf("%w: exchange %q: unknown kind %v", ErrInvalidArgument, name, kind)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if x, ok := b.exchanges[name]; ok {
		if x.kind != kind {
			return fmt.Errorf("%w: exchange %q is declared as %v, redeclared as %v", ErrPrecondition, name, x.kind, kind)
		}
		return nil
	}
	b.exchanges[name] = newExchange(kind)
	return nil
}

// DeclareQueue creates a queue, or does nothing if it exists with the same
// options. Every queue is reachable through the default exchange by its name.
func (b *Bus) DeclareQueue(name string, o QueueOptions) error {
	if name == "" {
		return fmt.Errorf("%w: a queue needs a name", ErrInvalidArgument)
	}
	if o.MaxLength < 0 {
		return fmt.Errorf("%w: queue %q: max length must be >= 0, got %d", ErrInvalidArgument, name, o.MaxLength)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if q, ok := b.queues[name]; ok {
		if q.opts != o {
			return fmt.Errorf("%w: queue %q is declared with %+v, redeclared with %+v", ErrPrecondition, name, q.opts, o)
		}
		return nil
	}
	b.queueSeq++
	q := &queue{name: name, id: b.queueSeq, opts: o, limit: cmp.Or(o.MaxLength, b.limit)}
	q.self = []*queue{q}
	b.queues[name] = q
	return nil
}

// Bind routes messages published to exchange with a matching key to queue.
// Binding twice is harmless.
func (b *Bus) Bind(queue, exchange, key string) error {
	if exchange == "" {
		return errDefaultExchange
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	q, ok := b.queues[queue]
	if !ok {
		return fmt.Errorf("%w: cannot bind %q", ErrNoQueue, queue)
	}
	x, ok := b.exchanges[exchange]
	if !ok {
		return fmt.Errorf("%w: cannot bind %q to %q", ErrNoExchange, queue, exchange)
	}
	if x.bind(q, key) {
		q.bindings = append(q.bindings, binding{x: x, key: key})
	}
	return nil
}

// DeleteQueue removes a queue, its bindings and its ready messages. Its
// consumers' next Poll fails with ErrNoQueue, as a broker cancels them.
func (b *Bus) DeleteQueue(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	q, ok := b.queues[name]
	if !ok {
		return fmt.Errorf("%w: cannot delete %q", ErrNoQueue, name)
	}
	b.deleteLocked(q)
	return nil
}

// deleteLocked removes q; the caller holds b.mu for writing.
func (b *Bus) deleteLocked(q *queue) {
	delete(b.queues, q.name)
	for _, bd := range q.bindings {
		bd.x.unbind(q, bd.key)
	}
	q.bindings = nil
	q.mu.Lock()
	q.deleted = true
	q.ready = ring{}
	q.signal()
	q.mu.Unlock()
}

// QueueStats is a snapshot of one queue, for tests and load generators.
type QueueStats struct {
	Ready     int // waiting, including expired messages not yet discarded
	Unacked   int // delivered to a Poller and not yet settled
	Consumers int // open Pollers
	Limit     int // the bound on Ready
}

// Stats reports the state of a queue.
func (b *Bus) Stats(name string) (QueueStats, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	q, ok := b.queues[name]
	if !ok {
		return QueueStats{}, fmt.Errorf("%w: %q", ErrNoQueue, name)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return QueueStats{
		Ready:     q.ready.n,
		Unacked:   int(q.unacked.Load()),
		Consumers: len(q.consumers),
		Limit:     q.limit,
	}, nil
}
