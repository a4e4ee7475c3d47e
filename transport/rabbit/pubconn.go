package rabbit

import (
	"context"
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
