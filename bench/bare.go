package bench

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/transport/memory"
)

// bareConsumer takes messages off a queue with nothing of rpcexec in the
// way: no listener loop, decoding, executor or dispatch. One goroutine
// drives it.
type bareConsumer interface {
	// receive waits for a first message, then takes what else is ready, up
	// to max, and returns their bodies.
	receive(ctx context.Context, max int) ([][]byte, error)
	// settle acknowledges everything received so far.
	settle(ctx context.Context) error
	close() error
}

// bareBus declares the baseline's queues and consumes them.
type bareBus interface {
	// topicQueue declares a queue bound to the control exchange by key.
	topicQueue(ctx context.Context, exchange, name, key string) error
	// fanoutQueue declares a queue bound to a fanout exchange.
	fanoutQueue(ctx context.Context, exchange, name string) error
	// replyQueue declares a caller's reply queue.
	replyQueue(ctx context.Context, name string) error
	// consume consumes queue with the given prefetch; perMessage makes
	// settle acknowledge each message on its own rather than all at once.
	consume(ctx context.Context, queue string, prefetch int, perMessage bool) (bareConsumer, error)
	close() error
}

// Bodies of the baseline carry the publish time and number in binary and
// the reply queue, padded to the size of the rpcexec request they stand
// for: the transport moves as many bytes, nobody parses JSON.
func bareBody(size int, t int64, seq uint64, replyQ string) []byte {
	b := make([]byte, max(size, 17+len(replyQ)))
	binary.LittleEndian.PutUint64(b, uint64(t))
	binary.LittleEndian.PutUint64(b[8:], seq)
	b[16] = byte(len(replyQ))
	copy(b[17:], replyQ)
	return b
}

func parseBareBody(b []byte) (t int64, seq uint64, replyQ string) {
	if len(b) < 17 || len(b) < 17+int(b[16]) {
		return 0, 0, ""
	}
	return int64(binary.LittleEndian.Uint64(b)), binary.LittleEndian.Uint64(b[8:]), string(b[17 : 17+int(b[16])])
}

// memoryBare is the baseline on the embedded bus: its own Poller.
type memoryBare struct{ bus *memory.Bus }

func (m memoryBare) topicQueue(_ context.Context, exchange, name, key string) error {
	if err := m.bus.DeclareExchange(exchange, memory.Topic); err != nil {
		return err
	}
	if err := m.bus.DeclareQueue(name, memory.QueueOptions{}); err != nil {
		return err
	}
	return m.bus.Bind(name, exchange, key)
}

func (m memoryBare) fanoutQueue(_ context.Context, exchange, name string) error {
	if err := m.bus.DeclareExchange(exchange, memory.Fanout); err != nil {
		return err
	}
	if err := m.bus.DeclareQueue(name, memory.QueueOptions{AutoDelete: true}); err != nil {
		return err
	}
	return m.bus.Bind(name, exchange, "")
}

func (m memoryBare) replyQueue(_ context.Context, name string) error {
	return m.bus.DeclareQueue(name, memory.QueueOptions{AutoDelete: true})
}

func (m memoryBare) consume(_ context.Context, queue string, prefetch int, _ bool) (bareConsumer, error) {
	p, err := m.bus.Consume(prefetch, queue)
	if err != nil {
		return nil, err
	}
	return &memoryConsumer{p: p}, nil
}

func (memoryBare) close() error { return nil }

type memoryConsumer struct {
	p      *memory.Poller
	held   []*poller.Message
	bodies [][]byte
	acks   []poller.Settlement
}

func (c *memoryConsumer) receive(ctx context.Context, max int) ([][]byte, error) {
	msgs, err := c.p.Poll(ctx, time.Second, max)
	c.held = append(c.held, msgs...)
	c.bodies = c.bodies[:0]
	for _, m := range msgs {
		c.bodies = append(c.bodies, m.Body)
	}
	return c.bodies, err
}

func (c *memoryConsumer) settle(ctx context.Context) error {
	c.acks = c.acks[:0]
	for _, m := range c.held {
		c.acks = append(c.acks, poller.Settlement{Msg: m, Outcome: poller.Ack})
	}
	c.held = c.held[:0]
	if len(c.acks) == 0 {
		return nil
	}
	return c.p.Settle(ctx, c.acks)
}

func (c *memoryConsumer) close() error { return c.p.Close(context.Background()) }
