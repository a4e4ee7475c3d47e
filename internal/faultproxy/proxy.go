package faultproxy

import (
	"net"
	"sync"
)

// Proxy forwards TCP connections from Addr to a target address.
type Proxy struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	conns    map[*link]struct{}
	silenced bool
	refusing bool
	gate     *sync.Cond // wakes copiers when silence ends

	wg sync.WaitGroup
}

// link is one proxied connection: the client side and the target side.
type link struct {
	client, server net.Conn
	dead           bool // guarded by Proxy.mu
}

func (l *link) close() {
	l.client.Close()
	l.server.Close()
}

// Start listens on a free loopback port and forwards to target.
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: make(map[*link]struct{})}
	p.gate = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address clients dial instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every open connection, as a broker crash or a reset does.
// New connections are accepted.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for l := range p.conns {
		l.dead = true
		l.close()
	}
	p.gate.Broadcast()
}

// Refuse makes new connections fail at once (closed on accept) until Allow.
func (p *Proxy) Refuse() { p.set(func() { p.refusing = true }) }

// Allow undoes Refuse.
func (p *Proxy) Allow() { p.set(func() { p.refusing = false }) }

// Silence stops forwarding bytes in both directions without closing
// anything: the peer sees a connection that is open and mute, as behind a
// dead router. New connections are accepted but equally mute.
func (p *Proxy) Silence() { p.set(func() { p.silenced = true }) }

// Resume ends a Silence. Connections that were muted carry on, if their
// ends have not given up on them.
func (p *Proxy) Resume() { p.set(func() { p.silenced = false }) }

func (p *Proxy) set(f func()) {
	p.mu.Lock()
	f()
	p.mu.Unlock()
	p.gate.Broadcast()
}

// Close stops accepting, closes every connection and waits for the
// proxy's goroutines.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	p.silenced = false
	for l := range p.conns {
		l.dead = true
		l.close()
	}
	p.mu.Unlock()
	p.gate.Broadcast()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refusing := p.refusing
		p.mu.Unlock()
		if refusing {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		l := &link{client: c, server: s}
		p.mu.Lock()
		p.conns[l] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(l, s, c)
		go p.pipe(l, c, s)
	}
}

// pipe copies src to dst, holding bytes back while the proxy is silenced.
func (p *Proxy) pipe(l *link, dst, src net.Conn) {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		l.dead = true
		delete(p.conns, l)
		p.mu.Unlock()
		p.gate.Broadcast()
		l.close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.waitUnsilenced(l) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// waitUnsilenced blocks while silenced; false when the link was closed.
func (p *Proxy) waitUnsilenced(l *link) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.silenced && !l.dead {
		p.gate.Wait()
	}
	return !l.dead
}
