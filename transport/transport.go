package transport

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rpcexec/rpcexec/poller"
)

// Errors every transport returns alike.
var (
	// ErrClosed is returned by a Transport used after Close.
	ErrClosed = errors.New("transport: closed")
	// ErrUnroutable is wrapped when a mandatory message reached no queue:
	// a reply queue that is gone, a topic no server consumes.
	ErrUnroutable = errors.New("transport: unroutable message")
	// ErrNoExchange is wrapped when a message is published to an exchange
	// that does not exist: no server of that topic has ever started.
	ErrNoExchange = errors.New("transport: no such exchange")
	// ErrRefused is wrapped when the broker refuses a message (basic.nack:
	// a full queue with x-overflow reject-publish, say): sending it again
	// would be refused again.
	ErrRefused = errors.New("transport: the broker refused the message")
)

// DefaultExchange is oslo.messaging's default control_exchange.
const DefaultExchange = "openstack"

// Subscription is what an RPC server consumes: its topic's queues and its
// own on a control exchange (the transport's view of rpcexec.Target).
type Subscription struct {
	Exchange string // the control exchange; DefaultExchange when empty
	Topic    string
	Server   string // this server's name: its <topic>.<server> and fanout queues
}

// ErrInvalidSubscription is wrapped by Subscription.Validate's errors.
var ErrInvalidSubscription = errors.New("transport: invalid subscription")

// Validate checks that t names what a server consumes.
func (t Subscription) Validate() error {
	if t.Topic == "" || t.Server == "" {
		return fmt.Errorf("%w: a server target needs Topic and Server, got topic %q server %q",
			ErrInvalidSubscription, t.Topic, t.Server)
	}
	return nil
}

// exchange is t's control exchange.
func (t Subscription) exchange() string {
	if t.Exchange == "" {
		return DefaultExchange
	}
	return t.Exchange
}

// Address is where a message is published: an exchange and a routing key.
type Address struct {
	Exchange   string
	RoutingKey string
}

// TopicAddress addresses a topic's shared queue, or one server's queue on it
// when server is set.
func TopicAddress(exchange, topic, server string) Address {
	if exchange == "" {
		exchange = DefaultExchange
	}
	if server != "" {
		return Address{Exchange: exchange, RoutingKey: topic + "." + server}
	}
	return Address{Exchange: exchange, RoutingKey: topic}
}

// FanoutAddress addresses every server of a topic.
func FanoutAddress(topic string) Address {
	return Address{Exchange: FanoutExchangeName(topic)}
}

// ReplyAddress addresses a caller's reply queue through the default exchange.
func ReplyAddress(queue string) Address { return Address{RoutingKey: queue} }

// Message is what Publish sends.
type Message struct {
	// Body is the message. Publish may keep it (the embedded bus hands it
	// to consumers as is): the caller must not change it afterwards.
	Body []byte
	// Expiration discards the message if it is not consumed in time; the
	// client sets it to the call timeout, as oslo.messaging does. 0 is none.
	Expiration time.Duration
	// Mandatory makes Publish fail when no queue receives the message.
	Mandatory bool
}

// Transport is a connection to a message bus, shared by servers and clients.
type Transport interface {
	// Listen declares t's queues and bindings (<topic>, <topic>.<server>
	// and a fanout queue) and returns a Poller consuming all three, each
	// consumer with prefetch unsettled messages at most.
	Listen(ctx context.Context, t Subscription, prefetch int) (poller.Poller, error)
	// ListenReplies declares a fresh reply queue and returns its name and a
	// Poller consuming it.
	ListenReplies(ctx context.Context, prefetch int) (queue string, p poller.Poller, err error)
	// Publish sends m to an address.
	Publish(ctx context.Context, to Address, m Message) error
	// Close releases the transport's connections; a close handshake ends
	// when ctx does, dropping the connection instead. It is idempotent.
	Close(ctx context.Context) error
}

// AsyncPublisher is a Transport that can hand a message over without
// waiting for the broker's answer, so that one caller can have many
// messages outstanding (the server's replies, a client's pipelined casts).
type AsyncPublisher interface {
	// PublishAsync sends m as Publish does, but returns once it is sent;
	// done then receives what Publish would have returned, exactly once,
	// possibly before PublishAsync returns, on a goroutine that done must
	// not block. It makes one attempt: when it returns an error, done is
	// not called, and a caller that wants Publish's retries through an
	// outage calls Publish.
	PublishAsync(ctx context.Context, to Address, m Message, done func(error)) error
}
