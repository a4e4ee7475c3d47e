package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Readiness is what /readyz asks: *rpcexec.Server.
type Readiness interface{ Ready() bool }

// Handler serves:
//
//   - /metrics: what g gathers, in Prometheus' text (or OpenMetrics) format;
//   - /healthz: 200 while the process serves HTTP at all (liveness);
//   - /readyz: 200 while ready.Ready() (the server consumes on a live
//     connection), else 503 (starting, reconnecting or stopped).
func Handler(g prometheus.Gatherer, ready Readiness) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if ready == nil || !ready.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready: not consuming on a live connection (starting, reconnecting or stopped)")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// ErrListen is wrapped when the metrics address cannot be listened on.
var ErrListen = errors.New("metrics: cannot listen")

// HTTPServer serves a Handler on an address of its own.
type HTTPServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
	err  error
}

// Listen listens on addr (host:port; port 0 picks one) now, so that an
// address in use is an error at start rather than a server without
// metrics, and serves h on a goroutine of its own until Close.
func Listen(addr string, h http.Handler) (*HTTPServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w on %s: %w", ErrListen, addr, err)
	}
	s := &HTTPServer{
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		ln:   ln,
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
	return s, nil
}

// Addr is the address served, with the port chosen when addr said 0.
func (s *HTTPServer) Addr() string { return s.ln.Addr().String() }

// Close stops serving: requests under way may finish until ctx ends, then
// connections are closed. It waits for the serving goroutine and returns
// why serving failed, if it did.
func (s *HTTPServer) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.srv.Close())
	}
	<-s.done
	return errors.Join(err, s.err)
}
