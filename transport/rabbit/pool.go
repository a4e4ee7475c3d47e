package rabbit

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/rpcexec/rpcexec/transport"
)

// window is how many messages one publishing connection carries at once:
// published and not yet answered by the broker, or about to be published.
// A process's publishers rarely have more outstanding, so one connection
// usually carries them all, and the broker reads many publishes per
// socket read and confirms them many per frame.
const window = 1024

// pool holds up to rpc_conn_pool_size publishing connections, opened when
// needed: a publish takes a slot of the window of the first open
// connection that has one, and a new connection is opened only when every
// open one is full. A connection found broken is dropped and its place
// freed; its outstanding messages have already failed with it.
type pool struct {
	open   func(ctx context.Context) (*pubConn, transport.Host, error) // one attempt
	size   int
	window int
	wake   chan struct{} // cap 1: a slot freed, or a connection opened or failed to
	done   chan struct{} // closed by close

	// starved counts gets waiting for a slot; a freed slot wakes one only
	// when there are any, so the common path sends nothing.
	starved atomic.Int32

	mu      sync.Mutex
	conns   []*pubConn
	opening int // connections being opened, which count against size
	closed  bool
	wg      sync.WaitGroup // the connections' dispatchers and exchange checks

	exchanges knownExchanges
}

func newPool(size int, open func(ctx context.Context) (*pubConn, transport.Host, error)) *pool {
	return &pool{
		open:   open,
		size:   size,
		window: window,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
}

// get returns a connection with a slot of its window reserved for the
// caller, who then publishes on it or gives the slot back with put. It
// opens a connection when all are full and there is room for one, or
// waits for a slot. It reports the host of a failed attempt.
func (p *pool) get(ctx context.Context) (*pubConn, transport.Host, error) {
	for {
		c, opening, err := p.take()
		if c == nil && !opening && err == nil {
			// Full: look again as one of the starved, whom a slot freed from
			// now on wakes, then wait.
			p.starved.Add(1)
			c, opening, err = p.take()
			if c == nil && !opening && err == nil {
				select {
				case <-p.wake:
				case <-p.done:
				case <-ctx.Done():
					p.starved.Add(-1)
					return nil, transport.Host{}, ctx.Err()
				}
				p.starved.Add(-1)
				if p.starved.Load() > 0 {
					p.signal() // pass the wake-up on: one signal may stand for several slots
				}
				continue
			}
			p.starved.Add(-1)
		}
		switch {
		case err != nil:
			return nil, transport.Host{}, err
		case c != nil:
			return c, c.host, nil
		}
		return p.add(ctx)
	}
}

// take reserves a slot on the first connection with one, dropping broken
// connections on the way, or claims the right to open a connection.
func (p *pool) take() (c *pubConn, opening bool, err error) {
	var broken []*pubConn
	defer func() {
		for _, b := range broken {
			b.conn.drop()
		}
	}()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, false, transport.ErrClosed
	}
	for i := 0; i < len(p.conns); {
		c := p.conns[i]
		if c.isLost() {
			broken = append(broken, c)
			p.conns = append(p.conns[:i], p.conns[i+1:]...)
			continue
		}
		i++
		if c.closing() {
			continue // its dispatcher is about to fail it, and wake us
		}
		if c.reserve(p.window) {
			return c, false, nil
		}
	}
	if len(p.conns)+p.opening < p.size {
		p.opening++
		return nil, true, nil
	}
	return nil, false, nil
}

// add opens a connection in the place the caller claimed and reserves a
// slot on it.
func (p *pool) add(ctx context.Context) (*pubConn, transport.Host, error) {
	c, h, err := p.open(ctx)
	p.mu.Lock()
	p.opening--
	if err == nil && p.closed {
		err = transport.ErrClosed
		c.conn.drop()
	}
	if err != nil {
		p.mu.Unlock()
		p.signal() // a waiter may open one in this place
		return nil, h, err
	}
	c.pool = p
	c.load = 1 // the caller's slot
	p.conns = append(p.conns, c)
	p.wg.Go(c.dispatch)
	p.mu.Unlock()
	if p.starved.Load() > 0 {
		p.signal() // the new connection has room for those waiting
	}
	return c, h, nil
}

// put gives back a slot the caller did not publish in.
func (p *pool) put(c *pubConn) { c.unreserve() }

// discard drops a connection that is broken or in doubt, failing what it
// carries.
func (p *pool) discard(c *pubConn) {
	p.mu.Lock()
	for i, o := range p.conns {
		if o == c {
			p.conns = append(p.conns[:i], p.conns[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
	c.conn.drop()
	p.signal()
}

// freed is called by a connection's dispatcher when it frees slots.
func (p *pool) freed() {
	if p.starved.Load() > 0 {
		p.signal()
	}
}

func (p *pool) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// close closes every connection within ctx, which fails the publishes
// they carry, waits for their dispatchers, and fails later gets. It is
// idempotent.
func (p *pool) close(ctx context.Context) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.wg.Wait()
		return
	}
	p.closed = true
	all := p.conns
	p.conns = nil
	p.mu.Unlock()
	close(p.done)
	var wg sync.WaitGroup // in parallel: a silent broker makes each close wait closeTimeout
	for _, c := range all {
		wg.Go(func() { c.close(ctx) })
	}
	wg.Wait()
	p.wg.Wait()
}

func (p *pool) isClosed() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}
