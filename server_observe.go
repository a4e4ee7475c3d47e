package rpcexec

import (
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/listener"
	"github.com/rpcexec/rpcexec/request"
	"github.com/rpcexec/rpcexec/transport"
)

// WithInterceptors runs interceptors around the dispatch of every request,
// the first outermost (see dispatch.Interceptor and dispatch.Chain): the
// one place for cross-cutting work such as metrics.Interceptor,
// tracing.ServerInterceptor, logging or authorisation. Later options add
// inner interceptors.
func WithInterceptors(interceptors ...dispatch.Interceptor) ServerOption {
	return func(s *Server) {
		s.intercept = dispatch.Chain(append([]dispatch.Interceptor{s.intercept}, interceptors...)...)
	}
}

// ServerStats are a running server's counters since it started: its
// listener's (messages received, settled and in flight; embedded), its
// request path's (what became of the requests) and its transport's
// (connections lost and made again, publish retries; zero on the embedded
// bus). Package metrics exports them to Prometheus.
type ServerStats struct {
	listener.Stats
	Requests  request.Stats
	Transport transport.Stats
}

// Stats returns the server's counters (zero before Start).
func (s *Server) Stats() ServerStats {
	s.mu.Lock()
	r := s.run
	s.mu.Unlock()
	if r == nil {
		return ServerStats{}
	}
	st := ServerStats{Stats: r.lis.Stats(), Requests: r.h.Stats()}
	if ts, ok := r.tr.(interface{ Stats() transport.Stats }); ok {
		st.Transport = ts.Stats()
	}
	return st
}

// connectedPoller is a poller that knows whether it consumes on a live
// connection, as the RabbitMQ transport's do; the embedded bus's have no
// connection to lose.
type connectedPoller interface{ Connected() bool }

// Ready reports whether the server is consuming on a live connection: it
// has started, has not stopped, and (on RabbitMQ) is not reconnecting. It
// is what a readiness probe asks (see metrics.Handler's /readyz); the
// state it shows is at most a poll timeout (poll_timeout) old. Safe from
// any goroutine.
func (s *Server) Ready() bool {
	s.mu.Lock()
	r, serving := s.run, s.state == serving
	s.mu.Unlock()
	if !serving || r == nil {
		return false
	}
	select {
	case <-r.lis.Done():
		return false
	default:
	}
	if c, ok := r.p.(connectedPoller); ok {
		return c.Connected()
	}
	return true
}
