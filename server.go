package rpcexec

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/heartbeat"
	"github.com/rpcexec/rpcexec/listener"
	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/request"
	"github.com/rpcexec/rpcexec/transport"
)

// ErrServerStopped is returned by Start on a server that has been stopped,
// also when Stop came while Start was waiting for the broker.
var ErrServerStopped = errors.New("rpcexec: server stopped")

// Server is an RPC server: it consumes a target's queues and answers
// requests with a dispatcher's endpoints, on the executor the configuration
// names.
type Server struct {
	cfg       Config
	target    Target
	disp      *dispatch.Dispatcher
	given     transport.Transport  // from WithServerTransport; stays open
	intercept dispatch.Interceptor // from WithInterceptors

	mu          sync.Mutex
	state       serverState
	cancelStart context.CancelFunc // ends a Start under way
	starting    chan struct{}      // closed when that Start has returned
	run         *running           // set while running
	stopCtx     context.Context    // the first Stop's or Close's: bounds the shutdown
	closeNow    bool               // stopped by Close: running tasks are not waited for
	done        chan struct{}      // closed once everything the server owns has stopped
	stopErr     error              // why stopping was not clean; read after done
	runErr      error              // why the server stopped by itself; read after done
}

type serverState uint8

const (
	idle serverState = iota
	starting
	serving
	stopped
)

// running is what a started server owns.
type running struct {
	tr    transport.Transport
	ownTr bool
	exec  executor.Executor
	lis   *listener.Listener
	h     *request.Handler
	p     poller.Poller
}

// ServerOption adjusts a Server.
type ServerOption func(*Server)

// WithServerTransport makes the server use tr, which stays open after the
// server stops, instead of opening its own from Config.TransportURL.
func WithServerTransport(tr transport.Transport) ServerOption {
	return func(s *Server) { s.given = tr }
}

// NewServer returns a server for target answering with d. It validates cfg
// and starts nothing.
func NewServer(cfg Config, target Target, d *dispatch.Dispatcher, opts ...ServerOption) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := target.transport(&cfg).Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if d == nil {
		return nil, fmt.Errorf("%w: a server needs a dispatcher", ErrInvalidConfig)
	}
	cfg.logNotes()
	s := &Server{cfg: cfg, target: target, disp: d, done: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Start opens the transport if needed, declares the target's queues and
// starts the listener loop. It returns once the server is consuming; on
// RabbitMQ it waits for the broker (retrying as rabbit_retry_* say) until
// ctx ends or Stop is called. A failed Start may be tried again.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	switch s.state {
	case stopped:
		s.mu.Unlock()
		return ErrServerStopped
	case serving:
		s.mu.Unlock()
		return nil
	case starting:
		wait := s.starting
		s.mu.Unlock()
		<-wait
		return s.Start(ctx)
	}
	s.state = starting
	ctx, s.cancelStart = context.WithCancel(ctx)
	s.starting = make(chan struct{})
	s.mu.Unlock()

	r, err := s.open(ctx) // network I/O: without the lock, so Stop can end it

	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelStart()
	close(s.starting)
	switch {
	case s.state == stopped: // Stop came meanwhile and waits for done
		if r != nil {
			_ = r.lis.Close()
			_ = s.shutdown(r, s.stopCtx, true)
		}
		close(s.done)
		return ErrServerStopped
	case err != nil:
		s.state = idle
		return err
	}
	s.state, s.run = serving, r
	go s.watch(r)
	return r.lis.Start()
}

// open builds what a running server owns: transport, executor, consumer,
// request path and listener. On error it undoes what it built.
func (s *Server) open(ctx context.Context) (_ *running, err error) {
	r := &running{tr: s.given}
	defer func() {
		if err != nil {
			_ = s.shutdown(r, ctx, true)
		}
	}()
	if r.tr == nil {
		if r.tr, err = OpenTransport(ctx, s.cfg); err != nil {
			return nil, err
		}
		r.ownTr = true
	}
	inFlight := s.cfg.InFlight()
	if r.exec, err = executor.New(s.cfg.Executor,
		executor.WithPoolSize(s.cfg.ExecutorThreadPoolSize), executor.WithMaxInFlight(inFlight)); err != nil {
		return nil, err
	}
	p, err := r.tr.Listen(ctx, s.target.transport(&s.cfg), s.cfg.QoS())
	if err != nil {
		return nil, err
	}
	r.p = p
	r.h, err = request.New(request.Options{
		Dispatcher: s.disp, Publisher: r.tr, MaxMessageSize: s.cfg.MaxMessageSize,
		MaxDeliveries: s.cfg.MaxDeliveries, DedupSize: s.cfg.DedupCacheSize,
		ReplyTimeout: s.cfg.RPCResponseTimeout.Std(), SendTracebacks: s.cfg.SendTracebacks, Logger: s.cfg.logger(),
		Interceptor: s.intercept, Topic: s.target.Topic, Server: s.target.Server,
	})
	if err != nil {
		return nil, errors.Join(err, p.Close(ctx))
	}
	ack, _ := listener.ParseAckPolicy(s.cfg.AckPolicy) // validated in NewServer
	beat, _ := heartbeat.Interval(s.cfg.HeartbeatTimeoutThreshold.Std(), s.cfg.HeartbeatRate)
	r.lis, err = listener.New(p, r.exec, r.h, listener.Config{
		Prefetch: inFlight, MaxInFlightBytes: s.cfg.MaxInFlightBytes, PollTimeout: s.cfg.PollTimeout.Std(), Ack: ack,
		HeartbeatInterval: beat, Logger: s.cfg.logger(),
	})
	if err != nil {
		return nil, errors.Join(err, p.Close(ctx))
	}
	return r, nil
}
