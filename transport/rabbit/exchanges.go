package rabbit

import (
	"context"
	"fmt"
	"sync"

	"github.com/rpcexec/rpcexec/transport"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// maxKnownExchanges bounds the exchanges remembered to exist; past it the
// memory starts over (each is checked once more).
const maxKnownExchanges = 4096

// knownExchanges remembers the exchanges found to exist. A publish to a
// missing exchange makes the broker close the channel, and a publishing
// channel carries many messages: so the first publish to an exchange checks
// it on a channel of its own (a passive declare), and only known exchanges
// are published to on the shared one. An exchange deleted later still
// closes the shared channel once; the others' messages are then sent again
// (see lostError) and the memory is cleared.
type knownExchanges struct {
	mu    sync.RWMutex
	names map[string]struct{}
}

func (k *knownExchanges) has(name string) bool {
	k.mu.RLock()
	_, ok := k.names[name]
	k.mu.RUnlock()
	return ok
}

func (k *knownExchanges) add(name string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.names == nil || len(k.names) >= maxKnownExchanges {
		k.names = make(map[string]struct{})
	}
	k.names[name] = struct{}{}
}

func (k *knownExchanges) forget() {
	k.mu.Lock()
	k.names = nil
	k.mu.Unlock()
}

// checkExchange makes sure the exchange of to exists before a message is
// published to it on c's shared channel. The default exchange always does.
// The check runs on a goroutine of the pool's, so that a caller whose ctx
// ends stops waiting without killing c, which carries others' messages.
func (p *pool) checkExchange(ctx context.Context, c *pubConn, to transport.Address) error {
	if to.Exchange == "" || p.exchanges.has(to.Exchange) {
		return nil
	}
	result := make(chan error, 1)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return transport.ErrClosed
	}
	p.wg.Go(func() { result <- passiveDeclare(c.conn, to.Exchange) })
	p.mu.Unlock()
	select {
	case err := <-result:
		if err == nil {
			p.exchanges.add(to.Exchange)
			return nil
		}
		if e, ok := err.(*amqp091.Error); ok && e.Code == amqp091.NotFound {
			return fmt.Errorf("%w: %s (routing key %q): no server of this topic has declared it yet: %w",
				transport.ErrNoExchange, exchangeLabel(to.Exchange), to.RoutingKey, e)
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// passiveDeclare checks that exchange exists, on a channel of its own,
// which the broker closes when it does not.
func passiveDeclare(conn *link, exchange string) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	// The kind is not checked by a passive declare.
	if err := ch.ExchangeDeclarePassive(exchange, string(transport.TopicExchange), false, false, false, false, nil); err != nil {
		return err
	}
	return ch.Close()
}
