package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// rabbitBare is the baseline of casts on RabbitMQ: a bare amqp091-go
// consumer per queue, each on a channel of its own with the QoS rpcexec's
// servers ask for, acking each delivery (Baseline) or the last delivery of
// a batch with multiple set (BaselineMultiple). Declarations match oslo's
// defaults, which rpcexec's servers use too.
type rabbitBare struct {
	conn *amqp091.Connection
}

func newRabbitBare(ctx context.Context, uri string) (*rabbitBare, error) {
	c, err := dial(ctx, uri)
	if err != nil {
		return nil, err
	}
	return &rabbitBare{conn: c}, nil
}

// declare runs fn on a fresh channel: a failed declaration closes it.
func (r *rabbitBare) declare(fn func(ch *amqp091.Channel) error) error {
	ch, err := r.conn.Channel()
	if err != nil {
		return err
	}
	if err := fn(ch); err != nil {
		return fmt.Errorf("bench: baseline declaration: %w", err)
	}
	return ch.Close()
}

func (r *rabbitBare) topicQueue(_ context.Context, exchange, name, key string) error {
	return r.declare(func(ch *amqp091.Channel) error {
		return errors.Join(
			ch.ExchangeDeclare(exchange, "topic", false, false, false, false, nil),
			declareQueue(ch, name, false, nil),
			ch.QueueBind(name, key, exchange, false, nil))
	})
}

func (r *rabbitBare) fanoutQueue(_ context.Context, exchange, name string) error {
	return r.declare(func(ch *amqp091.Channel) error {
		return errors.Join(
			ch.ExchangeDeclare(exchange, "fanout", false, true, false, false, nil),
			declareQueue(ch, name, true, nil),
			ch.QueueBind(name, "", exchange, false, nil))
	})
}

func (r *rabbitBare) replyQueue(_ context.Context, name string) error {
	return r.declare(func(ch *amqp091.Channel) error { return declareQueue(ch, name, true, nil) })
}

func declareQueue(ch *amqp091.Channel, name string, autoDelete bool, args amqp091.Table) error {
	_, err := ch.QueueDeclare(name, false, autoDelete, false, false, args)
	return err
}

func (r *rabbitBare) consume(_ context.Context, queue string, prefetch int, perMessage bool) (bareConsumer, error) {
	ch, err := r.conn.Channel()
	if err != nil {
		return nil, err
	}
	if err := ch.Qos(prefetch, 0, false); err != nil {
		return nil, err
	}
	d, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		return nil, err
	}
	return &rabbitConsumer{ch: ch, d: d, perMessage: perMessage}, nil
}

func (r *rabbitBare) close() error { return r.conn.Close() }

type rabbitConsumer struct {
	ch         *amqp091.Channel
	d          <-chan amqp091.Delivery
	perMessage bool
	tags       []uint64 // deliveries received and not acked, with perMessage
	last       uint64   // tag of the last delivery received and not acked
	bodies     [][]byte
}

var errConsumerGone = errors.New("bench: the broker closed the baseline consumer")

func (c *rabbitConsumer) receive(ctx context.Context, max int) ([][]byte, error) {
	c.bodies = c.bodies[:0]
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case d, ok := <-c.d:
		if !ok {
			return nil, errConsumerGone
		}
		c.take(d)
	case <-t.C:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for len(c.bodies) < max {
		select {
		case d, ok := <-c.d:
			if !ok {
				return c.bodies, nil
			}
			c.take(d)
		default:
			return c.bodies, nil
		}
	}
	return c.bodies, nil
}

func (c *rabbitConsumer) take(d amqp091.Delivery) {
	c.bodies = append(c.bodies, d.Body)
	c.last = d.DeliveryTag
	if c.perMessage {
		c.tags = append(c.tags, d.DeliveryTag)
	}
}

func (c *rabbitConsumer) settle(context.Context) error {
	if c.perMessage {
		for _, tag := range c.tags {
			if err := c.ch.Ack(tag, false); err != nil {
				return err
			}
		}
		c.tags, c.last = c.tags[:0], 0
		return nil
	}
	if c.last == 0 {
		return nil
	}
	tag := c.last
	c.last = 0
	return c.ch.Ack(tag, true)
}

func (c *rabbitConsumer) close() error { return c.ch.Close() }
