package rabbit

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/rpcexec/rpcexec/transport"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// pubConn is one publishing connection with one channel in confirm mode
// that carries many messages at once. Each publish registers a waiter under
// the delivery tag the channel gives it and returns; the connection's
// dispatcher goroutine resolves the waiters as the broker's confirms and
// returns come back, so nobody holds the channel while the broker answers.
//
// Attribution rules, which are what makes sharing the channel correct:
//   - amqp091 hands confirms to listeners in delivery-tag order (it
//     resequences them), so the confirm for tag t resolves the oldest
//     outstanding waiter, which has tag t.
//   - A mandatory message carries its delivery tag as its message-id, and
//     the broker sends its basic.return, which includes the message-id,
//     before its confirm. The return is recorded on the waiter with that
//     tag and read when its confirm arrives: a return is never taken for
//     another message's, however many are outstanding.
//   - Returns arrive through an unbuffered channel, so amqp091's reader
//     goes on to the confirm that follows a return only once the dispatcher
//     has taken the return; the dispatcher records it before it reads
//     again, so the confirm, queued after, finds it. Confirms are buffered
//     (a window's worth, which the outstanding messages never exceed), so
//     the reader need not wait for the dispatcher at every one.
//   - A waiter leaves pending only in the dispatcher, once: a publisher
//     that stops waiting (its context ended) leaves its waiter behind, and
//     the slot it holds in the window is freed when the broker answers or
//     the channel is lost, never twice.
//   - When the channel is lost every outstanding waiter fails with a
//     *lostError, and so does every later publish on it.
type pubConn struct {
	conn *link
	ch   *amqp091.Channel
	host transport.Host

	confirms chan amqp091.Confirmation
	returns  chan amqp091.Return
	closes   chan *amqp091.Error
	exited   chan struct{} // closed when the dispatcher returns

	// send serialises publishes, so that the tag read before one is the
	// tag amqp091 gives it. Never held by the dispatcher.
	send sync.Mutex

	mu      sync.Mutex
	pending []*waiter // outstanding, oldest (lowest tag) first, from head
	head    int
	load    int   // slots taken: reserved by the pool and outstanding
	lost    error // once set, the channel is gone
	pool    *pool // told when slots free and when an exchange went missing; nil in tests
}

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

// openPubConn makes one connection attempt and readies it for publishing;
// start runs its dispatcher.
func openPubConn(ctx context.Context, d *dialer) (*pubConn, transport.Host, error) {
	conn, h, err := d.dial(ctx)
	if err != nil {
		return nil, h, err
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Confirm(false)
	}
	if err != nil {
		_ = conn.CloseDeadline(time.Now().Add(closeTimeout))
		return nil, h, err
	}
	c := &pubConn{
		conn: conn, ch: ch, host: h,
		// See the attribution rules.
		confirms: ch.NotifyPublish(make(chan amqp091.Confirmation, window)),
		returns:  ch.NotifyReturn(make(chan amqp091.Return)),
		closes:   ch.NotifyClose(make(chan *amqp091.Error, 1)),
		exited:   make(chan struct{}),
	}
	return c, h, nil
}

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

// reserve takes a slot of the window unless the connection is full or
// lost. The pool calls it.
func (c *pubConn) reserve(window int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lost != nil || c.load >= window {
		return false
	}
	c.load++
	return true
}

// unreserve gives back a slot that publish did not use.
func (c *pubConn) unreserve() {
	c.mu.Lock()
	c.load--
	c.mu.Unlock()
	c.freed()
}

// freed tells the pool that a slot is free.
func (c *pubConn) freed() {
	if c.pool != nil {
		c.pool.freed()
	}
}

// publish sends msg in a slot the caller reserved. On nil, w will be
// resolved exactly once with the broker's answer and the slot is the
// dispatcher's to free; on an error w is never resolved and the slot is
// freed.
func (c *pubConn) publish(to transport.Address, mandatory bool, msg amqp091.Publishing, w *waiter) error {
	c.send.Lock()
	defer c.send.Unlock()
	if err := c.refuseLost(); err != nil {
		return err
	}
	// Not under mu: amqp091's reader holds the lock this takes while it
	// waits for the dispatcher, which may be waiting for mu.
	w.tag = c.ch.GetNextPublishSeqNo()
	w.ret = nil
	c.mu.Lock()
	if err := c.lost; err != nil {
		c.load--
		c.mu.Unlock()
		c.freed()
		return err
	}
	c.pending = append(c.pending, w)
	c.mu.Unlock()
	if mandatory {
		msg.MessageId = strconv.FormatUint(w.tag, 10)
	}
	err := c.ch.Publish(to.Exchange, to.RoutingKey, mandatory, false, msg)
	if err == nil {
		return nil
	}
	c.mu.Lock()
	n := len(c.pending)
	ours := n > c.head && c.pending[n-1] == w
	if ours { // amqp091 took its tag back, so nothing will answer it
		c.pending[n-1] = nil
		c.pending = c.pending[:n-1]
		c.load--
	}
	c.mu.Unlock()
	if !ours {
		return nil // the dispatcher failed it with the channel meanwhile
	}
	c.freed()
	if c.ch.IsClosed() {
		// Closing under us: what closed it is the loss the dispatcher is
		// about to report (a channel closed over another message is sent
		// again, not retried).
		t := time.NewTimer(closeTimeout)
		defer t.Stop()
		select {
		case <-c.exited:
			return c.lost
		case <-t.C:
		}
	}
	return err
}

// refuseLost frees the caller's slot and returns the loss when the channel
// is lost.
func (c *pubConn) refuseLost() error {
	c.mu.Lock()
	err := c.lost
	if err != nil {
		c.load--
	}
	c.mu.Unlock()
	if err != nil {
		c.freed()
	}
	return err
}

// isLost reports whether the dispatcher has failed the connection: it can
// be dropped then, its outstanding messages having been told.
func (c *pubConn) isLost() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lost != nil
}

// closing reports a channel or connection amqp091 knows is closed, which
// the dispatcher has not failed yet: not to be used, nor dropped (that
// could cut short the broker's close, and with it the reason the
// dispatcher reports).
func (c *pubConn) closing() bool { return c.conn.IsClosed() || c.ch.IsClosed() }

func (c *pubConn) close(ctx context.Context) { _ = c.conn.closeWithin(ctx) }
