package rabbit

import (
	"context"
	"sync"
	"time"

	"github.com/rpcexec/rpcexec/transport"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// pubConn is one publishing connection with one channel in confirm mode.
// It carries one message at a time, so a basic.return on it can only be
// for the message in flight; amqp091's returns and closes need a reader,
// and the buffers of one are enough for one message.
type pubConn struct {
	conn    *link
	ch      *amqp091.Channel
	host    transport.Host
	returns chan amqp091.Return // the in-flight message came back unroutable
	closed  chan *amqp091.Error // why the broker closed the channel
}

// openPubConn makes one connection attempt and readies it for publishing.
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
	return &pubConn{
		conn: conn, ch: ch, host: h,
		returns: ch.NotifyReturn(make(chan amqp091.Return, 1)),
		closed:  ch.NotifyClose(make(chan *amqp091.Error, 1)),
	}, h, nil
}

func (c *pubConn) broken() bool { return c.conn.IsClosed() || c.ch.IsClosed() }

func (c *pubConn) close(ctx context.Context) { _ = c.conn.closeWithin(ctx) }

// pool holds up to rpc_conn_pool_size publishing connections, opened when
// needed and reused last-in first-out: the most recently used connection
// is the one most surely still alive, and the others may sit idle.
// A connection found broken is dropped and its place freed.
type pool struct {
	open  func(ctx context.Context) (*pubConn, transport.Host, error) // one attempt
	slots chan struct{}                                               // a token per open connection
	wake  chan struct{}                                               // cap 1: a connection went back idle
	done  chan struct{}                                               // closed by close

	mu     sync.Mutex
	idle   []*pubConn
	all    map[*pubConn]struct{} // idle and in use, for close
	closed bool
}

func newPool(size int, open func(ctx context.Context) (*pubConn, transport.Host, error)) *pool {
	return &pool{
		open:  open,
		slots: make(chan struct{}, size),
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
		all:   make(map[*pubConn]struct{}),
	}
}

// get returns an idle connection, or opens one when there is room, or
// waits for one to come back. It reports the host of a failed attempt.
func (p *pool) get(ctx context.Context) (*pubConn, transport.Host, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, transport.Host{}, transport.ErrClosed
		}
		if n := len(p.idle); n > 0 {
			c := p.idle[n-1]
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			if n > 1 {
				p.signal() // pass the wake-up on: one signal may stand for several returns
			}
			if c.broken() {
				p.discard(c)
				continue
			}
			return c, c.host, nil
		}
		p.mu.Unlock()
		select {
		case p.slots <- struct{}{}:
			return p.add(ctx)
		case <-p.wake:
		case <-p.done:
		case <-ctx.Done():
			return nil, transport.Host{}, ctx.Err()
		}
	}
}

// add opens a connection in a slot the caller holds.
func (p *pool) add(ctx context.Context) (*pubConn, transport.Host, error) {
	c, h, err := p.open(ctx)
	if err != nil {
		<-p.slots
		return nil, h, err
	}
	p.mu.Lock()
	closed := p.closed
	if !closed {
		p.all[c] = struct{}{}
	}
	p.mu.Unlock()
	if closed {
		c.conn.drop()
		<-p.slots
		return nil, h, transport.ErrClosed
	}
	return c, h, nil
}

// put returns a connection after a publish that left it in a known state.
func (p *pool) put(c *pubConn) {
	p.mu.Lock()
	if p.closed || c.broken() {
		p.mu.Unlock()
		p.discard(c)
		return
	}
	p.idle = append(p.idle, c)
	p.mu.Unlock()
	p.signal()
}

// discard closes a connection that is broken or in doubt, freeing its slot.
func (p *pool) discard(c *pubConn) {
	p.mu.Lock()
	delete(p.all, c)
	p.mu.Unlock()
	c.conn.drop()
	<-p.slots
}

func (p *pool) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// close closes every connection, idle or in use (their publishes fail),
// within ctx, and fails later gets. It is idempotent.
func (p *pool) close(ctx context.Context) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	all := p.all
	p.all, p.idle = nil, nil
	p.mu.Unlock()
	close(p.done)
	var wg sync.WaitGroup // in parallel: a silent broker makes each close wait closeTimeout
	for c := range all {
		wg.Go(func() { c.close(ctx) })
	}
	wg.Wait()
}

func (p *pool) isClosed() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}
