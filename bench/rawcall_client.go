package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/transport"
)

// rawClient is the bare caller: one reply queue, correlation ids.
type rawClient struct {
	conn   *amqp091.Connection
	pub    *amqp091.Channel
	queue  string
	expiry string

	mu      sync.Mutex
	waiting map[string]chan struct{}
	callers []rawCaller
	returns chan amqp091.Return
}

// rawCaller is one publisher's reusable state.
type rawCaller struct {
	reply chan struct{}
	timer *time.Timer
}

func openRawClient(ctx context.Context, uri string, callers int, timeout time.Duration) (*rawClient, []transport.Queue, error) {
	conn, err := dial(ctx, uri)
	if err != nil {
		return nil, nil, err
	}
	c := &rawClient{conn: conn, waiting: make(map[string]chan struct{}),
		expiry: strconv.FormatInt(timeout.Milliseconds(), 10)}
	qs := transport.ReplyQueues(transport.ReplyQueueName())
	c.queue = qs[0].Name
	err = declareRaw(conn, qs)
	if err == nil {
		c.pub, err = conn.Channel()
	}
	if err == nil {
		err = c.pub.Confirm(false)
	}
	if err != nil {
		_ = conn.Close()
		return nil, qs, err
	}
	c.returns = c.pub.NotifyReturn(make(chan amqp091.Return, 1))
	for range callers {
		t := time.NewTimer(time.Hour)
		t.Stop()
		c.callers = append(c.callers, rawCaller{reply: make(chan struct{}, 1), timer: t})
	}
	return c, qs, nil
}

// receive consumes the reply queue until ctx ends, waking each caller.
func (c *rawClient) receive(ctx context.Context) error {
	ch, err := c.conn.Channel()
	if err == nil {
		err = ch.Qos(rpcexec.ReplyPrefetch, 0, false)
	}
	var deliveries <-chan amqp091.Delivery
	if err == nil {
		deliveries, err = ch.Consume(c.queue, "", false, true, false, false, nil)
	}
	if err != nil {
		return err
	}
	take := func(d amqp091.Delivery) {
		c.mu.Lock()
		w := c.waiting[d.CorrelationId]
		delete(c.waiting, d.CorrelationId)
		c.mu.Unlock()
		if w != nil {
			w <- struct{}{}
		}
	}
	for {
		var last uint64
		select {
		case d, ok := <-deliveries:
			if !ok {
				return errConsumerGone
			}
			take(d)
			last = d.DeliveryTag
		case ret := <-c.returns:
			return fmt.Errorf("bench: raw request to %s returned: %s", ret.RoutingKey, ret.ReplyText)
		case <-ctx.Done():
			return nil
		}
	more:
		for {
			select {
			case d, ok := <-deliveries:
				if !ok {
					break more
				}
				take(d)
				last = d.DeliveryTag
			default:
				break more
			}
		}
		if err := ch.Ack(last, true); err != nil {
			return err
		}
	}
}

// call is one request and its reply, by caller pub.
func (c *rawClient) call(ctx context.Context, pub int, to transport.Address, body []byte, timeout time.Duration) error {
	caller := &c.callers[pub]
	id := strconv.Itoa(pub)
	c.mu.Lock()
	c.waiting[id] = caller.reply
	c.mu.Unlock()
	if err := c.send(ctx, to, body, id); err != nil {
		return err
	}
	caller.timer.Reset(timeout)
	defer caller.timer.Stop()
	select {
	case <-caller.reply:
		return nil
	case <-caller.timer.C:
		return fmt.Errorf("bench: raw call: no reply within %s", timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send publishes a request and waits for its confirm; corrID "" is a
// request whose reply nobody waits for.
func (c *rawClient) send(ctx context.Context, to transport.Address, body []byte, corrID string) error {
	dc, err := c.pub.PublishWithDeferredConfirm(to.Exchange, to.RoutingKey, true, false, amqp091.Publishing{
		ContentType: "application/json", DeliveryMode: amqp091.Persistent, Expiration: c.expiry,
		ReplyTo: c.queue, CorrelationId: corrID, Body: body,
	})
	if err != nil {
		return err
	}
	select {
	case <-dc.Done():
		if !dc.Acked() {
			return errors.New("bench: the broker nacked a raw request")
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *rawClient) close() error { return c.conn.Close() }
