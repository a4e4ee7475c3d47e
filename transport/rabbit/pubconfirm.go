package rabbit

import (
	"fmt"
	"strconv"

	"github.com/rpcexec/rpcexec/transport"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// waiter is one outstanding message. It is resolved exactly once, by the
// dispatcher: done is called with the outcome, or, without done, the
// outcome is sent on result (capacity 1, so that never blocks).
type waiter struct {
	tag    uint64
	ret    *amqp091.Return // set by the dispatcher; read by it at the confirm
	done   func(error)
	result chan error
}

func (w *waiter) resolve(err error) {
	if w.done != nil {
		w.done(err)
		return
	}
	w.result <- err
}

// lostError is what outstanding messages of a lost channel fail with: the
// broker may or may not have them.
type lostError struct {
	host  transport.Host
	cause *amqp091.Error // nil when the connection went without a channel error
}

func (e *lostError) Error() string {
	if e.cause == nil {
		return fmt.Sprintf("rabbit: publishing connection to %s lost before the broker confirmed the message", e.host.Addr())
	}
	return fmt.Sprintf("rabbit: publishing channel to %s closed before the broker confirmed the message: %v", e.host.Addr(), e.cause)
}

func (e *lostError) Unwrap() error {
	if e.cause == nil {
		return nil
	}
	return e.cause
}

// soft reports a channel closed by the broker over a message while the
// connection stays up: the message at fault may be another one, so the
// others are sent again at once.
func (e *lostError) soft() bool { return e.cause != nil && e.cause.Server && e.cause.Recover }

// compactAfter is how many resolved slots may lead pending before they are
// reclaimed (when they are also half of it): amortised O(1) per message.
const compactAfter = 64

// errNack is a basic.nack: the broker refused the message.
var errNack = fmt.Errorf("%w (basic.nack)", transport.ErrRefused)

// dispatch resolves waiters until the channel is gone, then fails what is
// left. amqp091's reader waits for it on every confirm and return, so it
// never blocks: done functions must not either.
func (c *pubConn) dispatch() {
	defer close(c.exited)
	returns := c.returns
	for {
		select {
		case r, ok := <-returns:
			if !ok {
				returns = nil // closed with the channel; the confirms follow
				continue
			}
			c.returned(r)
		case conf, ok := <-c.confirms:
			if !ok {
				c.fail(c.closeReason())
				return
			}
			if !c.confirmed(conf) {
				// amqp091 dropped a notification (a listener was too slow) or
				// the broker confirmed a tag never sent: nothing on this channel
				// can be attributed any more. Killing the socket ends the
				// connection without waiting here for amqp091's reader, which
				// may be waiting for us.
				c.conn.sock.kill()
			}
		}
	}
}

// closeReason is the channel's close error, which amqp091 sends before it
// closes the listeners; nil when the client closed it or the connection
// dropped.
func (c *pubConn) closeReason() *amqp091.Error {
	select {
	case e := <-c.closes:
		return e
	default:
		return nil
	}
}

// returned records a basic.return on its waiter.
func (c *pubConn) returned(r amqp091.Return) {
	tag, err := strconv.ParseUint(r.MessageId, 10, 64)
	if err != nil {
		return // not one of ours: every mandatory message carries its tag
	}
	c.mu.Lock()
	if w := c.find(tag); w != nil {
		w.ret = &r
	}
	c.mu.Unlock()
}

// confirmed resolves the oldest waiter with the broker's answer. It
// reports false when the confirm is not for that waiter.
func (c *pubConn) confirmed(conf amqp091.Confirmation) bool {
	c.mu.Lock()
	if c.head == len(c.pending) || c.pending[c.head].tag != conf.DeliveryTag {
		c.mu.Unlock()
		return false
	}
	w := c.pending[c.head]
	c.pending[c.head] = nil
	c.head++
	switch {
	case c.head == len(c.pending): // empty: start over at the front
		c.pending, c.head = c.pending[:0], 0
	case c.head >= compactAfter && 2*c.head >= len(c.pending): // keep the slice from creeping
		n := copy(c.pending, c.pending[c.head:])
		clear(c.pending[n:])
		c.pending, c.head = c.pending[:n], 0
	}
	c.load--
	c.mu.Unlock()
	c.freed()
	var err error
	switch {
	case !conf.Ack:
		err = errNack
	case w.ret != nil:
		err = fmt.Errorf("%w: exchange %s has no queue for routing key %q (%s)",
			transport.ErrUnroutable, exchangeLabel(w.ret.Exchange), w.ret.RoutingKey, w.ret.ReplyText)
	}
	w.resolve(err)
	return true
}

// find returns the outstanding waiter with tag; called with mu.
func (c *pubConn) find(tag uint64) *waiter {
	if c.head == len(c.pending) {
		return nil
	}
	i := c.head + int(tag-c.pending[c.head].tag)
	if tag < c.pending[c.head].tag || i >= len(c.pending) {
		return nil
	}
	return c.pending[i]
}

// fail marks the channel lost and fails every outstanding waiter.
func (c *pubConn) fail(cause *amqp091.Error) {
	lost := &lostError{host: c.host, cause: cause}
	c.mu.Lock()
	c.lost = lost
	ws := c.pending[c.head:]
	c.pending, c.head = nil, 0
	c.load -= len(ws)
	c.mu.Unlock()
	if c.pool != nil {
		if cause != nil && cause.Code == amqp091.NotFound {
			c.pool.exchanges.forget() // one of them is gone; which, the next publishes find out
		}
		c.pool.freed()
	}
	for _, w := range ws {
		w.resolve(lost)
	}
}
