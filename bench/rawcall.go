package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	amqp091 "github.com/rabbitmq/amqp091-go"
	"golang.org/x/sync/errgroup"

	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/transport/rabbit"
)

// The raw request/reply on RabbitMQ: the fastest a bare amqp091-go program
// does the work of a call, with publisher confirms where rpcexec has them.
// Each server is a connection with a consumer of the topic queue (the QoS
// rpcexec's servers ask for) and a confirm-mode channel for replies: one
// goroutine takes each request, publishes its reply (mandatory) to the
// request's reply_to with its correlation_id, and a second acks the
// requests, with multiple, as their replies are confirmed (ack after), or
// acks them on receipt (ack before). The client is a connection with one
// reply queue, consumed with rpcexec's reply prefetch and acked with
// multiple per batch, and a confirm-mode channel shared by the callers:
// each publishes its request (mandatory, with rpcexec's expiration), waits
// for the confirm and for the reply with its correlation id. Bodies are
// padded to the size of the rpcexec request they stand for, and nobody
// parses them. The queues are declared from transport's topology data.

// rawServer is one bare RPC server.
type rawServer struct {
	r        *run
	i        int
	count    *atomic.Int64 // requests handled, for PerServer
	conn     *amqp091.Connection
	in, out  *amqp091.Channel
	confirms chan amqp091.Confirmation
	returns  chan amqp091.Return

	mu   sync.Mutex
	tags []uint64 // requests whose replies await their confirms, in order
}

func openRawServer(ctx context.Context, r *run, i int, qos int) (*rawServer, error) {
	conn, err := dial(ctx, r.e.uri)
	if err != nil {
		return nil, err
	}
	s := &rawServer{r: r, i: i, conn: conn}
	if s.in, err = conn.Channel(); err == nil {
		err = s.in.Qos(qos, 0, false)
	}
	if err == nil {
		s.out, err = conn.Channel()
	}
	if err == nil {
		err = s.out.Confirm(false)
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	// Never full: each confirm is for a reply to an unacked request, of
	// which the broker delivers at most qos.
	s.confirms = s.out.NotifyPublish(make(chan amqp091.Confirmation, qos))
	s.returns = s.out.NotifyReturn(make(chan amqp091.Return, 1))
	return s, nil
}

// serve consumes queue until ctx ends; it returns the first error.
func (s *rawServer) serve(ctx context.Context, queue string, before bool) error {
	deliveries, err := s.in.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		return err
	}
	var g errgroup.Group
	if !before {
		g.Go(func() error { return s.settle(ctx) })
	}
	g.Go(func() error {
		for {
			select {
			case d, ok := <-deliveries:
				if !ok {
					return errConsumerGone
				}
				if err := s.handle(d, before); err != nil {
					return err
				}
			case ret := <-s.returns:
				return fmt.Errorf("bench: raw reply to %s returned: %s", ret.RoutingKey, ret.ReplyText)
			case <-ctx.Done():
				return nil
			}
		}
	})
	return g.Wait()
}

func (s *rawServer) handle(d amqp091.Delivery, before bool) error {
	t, seq, _ := parseBareBody(d.Body)
	s.count.Add(1)
	s.r.handled(t)
	if before {
		if err := d.Ack(false); err != nil {
			return err
		}
	} else {
		s.mu.Lock()
		s.tags = append(s.tags, d.DeliveryTag)
		s.mu.Unlock()
	}
	return s.out.Publish("", d.ReplyTo, true, false, amqp091.Publishing{
		ContentType: "application/json", DeliveryMode: amqp091.Persistent,
		CorrelationId: d.CorrelationId, Body: bareBody(0, t, seq, ""),
	})
}

// settle acks requests as their replies are confirmed: confirms come in
// order, and so do the requests of one consumer, so one ack with multiple
// covers every request confirmed so far.
func (s *rawServer) settle(ctx context.Context) error {
	for {
		select {
		case c, ok := <-s.confirms:
			if !ok {
				return nil
			}
			if !c.Ack {
				return errors.New("bench: the broker nacked a raw reply")
			}
			s.mu.Lock()
			tag := s.tags[0]
			s.tags = s.tags[1:]
			s.mu.Unlock()
			if len(s.confirms) > 0 {
				continue // the ack of a later one covers this one
			}
			if err := s.in.Ack(tag, true); err != nil {
				return err
			}
		case <-ctx.Done():
			return nil
		}
	}
}

func (s *rawServer) close() error { return s.conn.Close() }

// declareRaw declares qs on a channel of its own.
func declareRaw(conn *amqp091.Connection, qs []transport.Queue) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	if err := rabbit.Declare(ch, qs); err != nil {
		return fmt.Errorf("bench: raw declaration: %w", err)
	}
	return ch.Close()
}
