package rabbit

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// closeTimeout bounds a connection.close handshake when the caller gives no
// tighter deadline. A broker that does not answer in time has its socket
// closed instead, which requeues the same.
const closeTimeout = 2 * time.Second

// link is one AMQP connection with the socket under it, which rpcexec
// watches: when anything last arrived (the heartbeat check's evidence of
// life), and a way to fail every call on the connection at once (amqp091's
// calls take no context; a dead socket ends them).
type link struct {
	*amqp091.Connection
	sock *socket
}

// socket is a net.Conn that records the time of its last read.
type socket struct {
	net.Conn
	lastRead atomic.Int64 // unix nanoseconds
}

func newSocket(c net.Conn) *socket {
	s := &socket{Conn: c}
	s.lastRead.Store(time.Now().UnixNano())
	return s
}

// Read implements net.Conn, noting when bytes arrive.
func (s *socket) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	if n > 0 {
		s.lastRead.Store(time.Now().UnixNano())
	}
	return n, err
}

// silentFor is how long nothing has arrived on the socket.
func (s *socket) silentFor(now time.Time) time.Duration {
	return now.Sub(time.Unix(0, s.lastRead.Load()))
}

// kill makes every read and write on the socket fail from now on.
func (s *socket) kill() { _ = s.Conn.SetDeadline(time.Unix(1, 0)) }

// bound ends every call on l when ctx ends, by killing its socket; the
// returned stop undoes that and reports false if ctx ended first.
func (l *link) bound(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, l.sock.kill)
}

// closeWithin closes the connection with a close handshake that ends by
// ctx's deadline or after closeTimeout, whichever is first; past it the
// socket is closed without one. An already closed connection is no error.
func (l *link) closeWithin(ctx context.Context) error {
	deadline := time.Now().Add(closeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	stop := l.bound(ctx)
	defer stop()
	err := l.CloseDeadline(deadline)
	if err == amqp091.ErrClosed {
		return nil
	}
	return err
}

// drop closes the connection without a handshake: it is broken, or in a
// state nobody should reuse.
func (l *link) drop() {
	l.sock.kill()
	_ = l.Close()
}
