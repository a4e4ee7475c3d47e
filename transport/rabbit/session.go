package rabbit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// maxBuffer bounds the fan-in channel. Deliveries beyond it wait in
// amqp091's per-consumer buffers, so it only limits how much one Poll can
// take without waiting.
const maxBuffer = 1024

// arrival is a delivery on its way from a consumer to Poll, trimmed to what
// a poller.Message needs so the fan-in channel carries little.
type arrival struct {
	body        []byte
	headers     amqp091.Table
	contentType string
	tag         uint64
	queue       int // index into session.queues
	redelivered bool
	ttl         time.Duration // from the expiration property; 0 for none
}

// session is one connection, its channel, the consumers on it and one
// forwarding goroutine per consumer: what a loss throws away whole.
type session struct {
	gen    uint64 // set when the Poller installs it
	conn   *link
	ch     *amqp091.Channel
	queues []string
	in     chan arrival // every consumer's deliveries, merged

	connClosed chan *amqp091.Error // capacity 1: amqp091 sends at most one, then closes
	chClosed   chan *amqp091.Error

	lost     chan struct{} // closed when a consumer's delivery channel ends or its queue is gone
	once     sync.Once
	ended    int  // the queue whose consumer ended first; read after lost
	vanished bool // that queue was found gone while its consumer lived on

	stop chan struct{} // closed by close: forwarders stop sending
	wg   sync.WaitGroup
}

// open makes one connection attempt and sets up consuming on it. When ctx
// ends meanwhile the connection is closed, which unblocks whatever call the
// setup (or the declarerFunc) is waiting in.
func open(ctx context.Context, connect connector, declare declarerFunc, o consumeOptions) (*session, error) {
	conn, err := connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("rabbit: connecting: %w", err)
	}
	aborted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(aborted)
		_ = conn.CloseDeadline(time.Now())
	})
	s, err := setup(conn, declare, o)
	if !stop() {
		<-aborted
		if err == nil {
			_ = s.close(context.Background())
		}
		return nil, fmt.Errorf("rabbit: setting up consumers: %w", ctx.Err())
	}
	return s, err
}

// setup opens the channel, sets the prefetch, declares and starts a
// consumer and its forwarder per queue. On error it closes the connection.
func setup(conn *link, declare declarerFunc, o consumeOptions) (*session, error) {
	s := &session{
		conn:       conn,
		connClosed: conn.NotifyClose(make(chan *amqp091.Error, 1)),
		lost:       make(chan struct{}),
		stop:       make(chan struct{}),
	}
	if err := s.consume(declare, o.Prefetch); err != nil {
		_ = s.close(context.Background())
		return nil, err
	}
	if o.Verify > 0 {
		s.wg.Go(func() { s.verify(o.Verify) })
	}
	return s, nil
}

// consume opens the channel and starts the consumers and their forwarders;
// setup cleans up after it on error.
func (s *session) consume(declare declarerFunc, prefetch int) (err error) {
	if s.ch, err = s.conn.Channel(); err != nil {
		return fmt.Errorf("rabbit: opening a channel: %w", err)
	}
	s.chClosed = s.ch.NotifyClose(make(chan *amqp091.Error, 1))
	if err := s.ch.Qos(prefetch, 0, false); err != nil {
		return fmt.Errorf("rabbit: setting the prefetch to %d: %w", prefetch, err)
	}
	if s.queues, err = declare(s.ch); err != nil {
		return fmt.Errorf("rabbit: declaring: %w", err)
	}
	if len(s.queues) == 0 {
		return errors.New("rabbit: declaring: the declarer returned no queue to consume")
	}
	for i, q := range s.queues {
		if slices.Contains(s.queues[:i], q) {
			return fmt.Errorf("rabbit: declaring: queue %q listed twice", q)
		}
	}
	s.in = make(chan arrival, min(prefetch*len(s.queues), maxBuffer))
	for i, q := range s.queues {
		deliveries, err := s.ch.Consume(q, "", false, false, false, false, nil)
		if err != nil {
			return fmt.Errorf("rabbit: consuming %q: %w", q, err)
		}
		s.wg.Add(1)
		go s.forward(i, deliveries)
	}
	return nil
}

// forward moves one consumer's deliveries into the merged channel until the
// consumer ends (the channel or connection closed, or the broker cancelled
// it) or the session is closed. What it holds when stopped is dropped: the
// channel is closing and the broker requeues it.
func (s *session) forward(queue int, deliveries <-chan amqp091.Delivery) {
	defer s.wg.Done()
	defer s.once.Do(func() {
		s.ended = queue
		close(s.lost)
	})
	for d := range deliveries {
		select {
		case s.in <- arrival{
			body:        d.Body,
			headers:     d.Headers,
			contentType: d.ContentType,
			tag:         d.DeliveryTag,
			queue:       queue,
			redelivered: d.Redelivered,
			ttl:         ttl(d.Expiration),
		}:
		case <-s.stop:
			return
		}
	}
}

// broken reports whether the session can no longer deliver or settle.
func (s *session) broken() bool {
	select {
	case <-s.lost:
		return true
	default:
	}
	return s.conn.IsClosed() || s.ch.IsClosed()
}

// cause says why a broken session broke. amqp091 sends the close reason
// before it closes the delivery channels, so it is there to read.
func (s *session) cause() error {
	if e := received(s.connClosed); e != nil {
		return fmt.Errorf("rabbit: connection closed: %w", e)
	}
	if e := received(s.chClosed); e != nil {
		return fmt.Errorf("rabbit: channel closed: %w", e)
	}
	select {
	case <-s.lost:
		switch {
		case s.vanished:
			return fmt.Errorf("rabbit: queue %q is gone from the broker and its consumer was never cancelled", s.queues[s.ended])
		case !s.conn.IsClosed() && !s.ch.IsClosed():
			return fmt.Errorf("rabbit: the broker cancelled the consumer of queue %q (queue deleted?)", s.queues[s.ended])
		}
	default:
	}
	return errors.New("rabbit: connection or channel closed without a reason")
}

func received(c chan *amqp091.Error) *amqp091.Error {
	select {
	case e := <-c:
		return e
	default:
		return nil
	}
}

// close closes the connection, which closes the channel, cancels the
// consumers and makes the broker requeue what was not settled, and waits for
// the forwarders. An already closed connection is not an error.
func (s *session) close(ctx context.Context) error {
	close(s.stop)
	err := s.conn.closeWithin(ctx)
	s.wg.Wait()
	return err
}

// maxTTL bounds what a sender's expiration may claim; RabbitMQ itself
// accepts up to 2^32-1 ms, about 49 days.
const maxTTL = 50 * 24 * time.Hour

// ttl reads the expiration property, milliseconds as a decimal string.
func ttl(expiration string) time.Duration {
	ms, err := strconv.ParseUint(expiration, 10, 32)
	if err != nil || ms == 0 {
		return 0
	}
	return min(time.Duration(ms)*time.Millisecond, maxTTL)
}
