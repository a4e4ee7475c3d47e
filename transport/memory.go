package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/poller/memory"
	"github.com/rpcexec/rpcexec/wire"
)

// buses are the process's embedded buses by name, so that servers and
// clients opening the same memory:// URL meet on the same bus.
var buses struct {
	sync.Mutex
	byName map[string]*memory.Bus
}

// Bus returns the embedded bus called name (the default bus for ""),
// creating it on first use.
func Bus(name string) *memory.Bus {
	buses.Lock()
	defer buses.Unlock()
	if buses.byName == nil {
		buses.byName = make(map[string]*memory.Bus)
	}
	b, ok := buses.byName[name]
	if !ok {
		b = memory.NewBus()
		buses.byName[name] = b
	}
	return b
}

// Memory is a Transport on an embedded bus: oslo.messaging's topology in
// process memory, with no broker.
type Memory struct {
	bus    *memory.Bus
	closed atomic.Bool
}

// NewMemory returns a Transport on bus.
func NewMemory(bus *memory.Bus) *Memory { return &Memory{bus: bus} }

// Listen implements Transport.
func (m *Memory) Listen(_ context.Context, t Target, prefetch int) (poller.Poller, error) {
	if m.closed.Load() {
		return nil, ErrClosed
	}
	if t.Topic == "" || t.Server == "" {
		return nil, errors.New("transport: a server needs a topic and a server name")
	}
	exchange := TopicAddress(t.Exchange, t.Topic, "").Exchange
	fanoutQueue := FanoutExchange(t.Topic) + "_" + wire.NewID()
	steps := []error{
		m.bus.DeclareExchange(exchange, memory.Topic),
		m.bus.DeclareExchange(FanoutExchange(t.Topic), memory.Fanout),
		m.bus.DeclareQueue(t.Topic, memory.QueueOptions{}),
		m.bus.DeclareQueue(t.Topic+"."+t.Server, memory.QueueOptions{}),
		m.bus.DeclareQueue(fanoutQueue, memory.QueueOptions{AutoDelete: true}),
		m.bus.Bind(t.Topic, exchange, t.Topic),
		m.bus.Bind(t.Topic+"."+t.Server, exchange, t.Topic+"."+t.Server),
		m.bus.Bind(fanoutQueue, FanoutExchange(t.Topic), ""),
	}
	if err := errors.Join(steps...); err != nil {
		return nil, fmt.Errorf("transport: declaring %s.%s: %w", t.Topic, t.Server, err)
	}
	p, err := m.bus.Consume(prefetch, t.Topic, t.Topic+"."+t.Server, fanoutQueue)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ListenReplies implements Transport.
func (m *Memory) ListenReplies(_ context.Context, prefetch int) (string, poller.Poller, error) {
	if m.closed.Load() {
		return "", nil, ErrClosed
	}
	queue := "reply_" + wire.NewID()
	if err := m.bus.DeclareQueue(queue, memory.QueueOptions{AutoDelete: true}); err != nil {
		return "", nil, fmt.Errorf("transport: declaring reply queue: %w", err)
	}
	p, err := m.bus.Consume(prefetch, queue)
	if err != nil {
		return "", nil, err
	}
	return queue, p, nil
}

// Publish implements Transport.
func (m *Memory) Publish(ctx context.Context, to Address, msg Message) error {
	if m.closed.Load() {
		return ErrClosed
	}
	err := m.bus.Publish(ctx, to.Exchange, to.RoutingKey, memory.Publishing{
		Body: msg.Body, ContentType: "application/json",
		Expiration: msg.Expiration, Mandatory: msg.Mandatory,
	})
	switch {
	case errors.Is(err, memory.ErrUnroutable):
		return fmt.Errorf("%w: %w", ErrUnroutable, err)
	case errors.Is(err, memory.ErrNoExchange):
		return fmt.Errorf("%w: %w", ErrNoExchange, err)
	}
	return err
}

// Close implements Transport. The bus itself lives on for other users.
func (m *Memory) Close() error {
	m.closed.Store(true)
	return nil
}
