package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/transport"
)

// buses are the process's embedded buses by name, so that servers and
// clients opening the same memory:// URL meet on the same bus.
var buses struct {
	sync.Mutex
	byName map[string]*Bus
}

// Named returns the embedded bus called name (the default bus for ""),
// creating it on first use.
func Named(name string) *Bus {
	buses.Lock()
	defer buses.Unlock()
	if buses.byName == nil {
		buses.byName = make(map[string]*Bus)
	}
	b, ok := buses.byName[name]
	if !ok {
		b = NewBus()
		buses.byName[name] = b
	}
	return b
}

// Transport is a transport.Transport on an embedded bus: oslo.messaging's
// topology in process memory, with no broker.
type Transport struct {
	bus    *Bus
	closed atomic.Bool
}

var _ transport.Transport = (*Transport)(nil)

// NewTransport returns a Transport on bus.
func NewTransport(bus *Bus) *Transport { return &Transport{bus: bus} }

// Listen implements transport.Transport with the same queues as on
// RabbitMQ. The fanout queue is deleted with its consumer, since nothing
// can consume it again.
func (m *Transport) Listen(_ context.Context, t transport.Subscription, prefetch int) (poller.Poller, error) {
	if m.closed.Load() {
		return nil, transport.ErrClosed
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	qs := transport.ServerQueues(t, transport.FanoutQueueName(t.Topic), transport.QueueFlags{})
	if err := m.declare(qs); err != nil {
		return nil, fmt.Errorf("memory: declaring %s.%s: %w", t.Topic, t.Server, err)
	}
	return m.consume(prefetch, qs)
}

// ListenReplies implements transport.Transport.
func (m *Transport) ListenReplies(_ context.Context, prefetch int) (string, poller.Poller, error) {
	if m.closed.Load() {
		return "", nil, transport.ErrClosed
	}
	qs := transport.ReplyQueues(transport.ReplyQueueName())
	if err := m.declare(qs); err != nil {
		return "", nil, fmt.Errorf("memory: declaring a reply queue: %w", err)
	}
	p, err := m.consume(prefetch, qs)
	return qs[0].Name, p, err
}

// declare declares qs, their exchanges and bindings. Durability and quorum
// mean nothing in one process; a queue that expires when unused is one
// whose consumer alone can use it, so it goes with that consumer.
func (m *Transport) declare(qs []transport.Queue) error {
	for _, q := range qs {
		if x := q.From; x.Name != "" {
			kind := Topic
			if x.Kind == transport.FanoutExchange {
				kind = Fanout
			}
			if err := m.bus.DeclareExchange(x.Name, kind); err != nil {
				return err
			}
		}
		if err := m.bus.DeclareQueue(q.Name, QueueOptions{AutoDelete: q.AutoDelete || q.Expires > 0}); err != nil {
			return err
		}
		if q.From.Name != "" {
			if err := m.bus.Bind(q.Name, q.From.Name, q.BindingKey); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *Transport) consume(prefetch int, qs []transport.Queue) (*Poller, error) {
	names := make([]string, len(qs))
	for i, q := range qs {
		names[i] = q.Name
	}
	return m.bus.Consume(prefetch, names...)
}

// Publish implements transport.Transport.
func (m *Transport) Publish(ctx context.Context, to transport.Address, msg transport.Message) error {
	if m.closed.Load() {
		return transport.ErrClosed
	}
	// The body is handed over, not copied: Transport.Publish may keep it.
	err := m.bus.publish(ctx, to.Exchange, to.RoutingKey, Publishing{
		Body: msg.Body, ContentType: "application/json",
		Expiration: msg.Expiration, Mandatory: msg.Mandatory,
	})
	switch {
	case errors.Is(err, ErrUnroutable):
		return fmt.Errorf("%w: %w", transport.ErrUnroutable, err)
	case errors.Is(err, ErrNoExchange):
		return fmt.Errorf("%w: %w", transport.ErrNoExchange, err)
	case errors.Is(err, ErrQueueFull):
		return fmt.Errorf("%w: %w", transport.ErrRefused, err)
	}
	return err
}

// Close implements transport.Transport. The bus itself lives on for other
// users.
func (m *Transport) Close(context.Context) error {
	m.closed.Store(true)
	return nil
}
