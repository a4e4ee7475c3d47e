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
	"github.com/rpcexec/rpcexec/request"
	"github.com/rpcexec/rpcexec/transport"
)

// ErrServerStopped is returned by Start on a server that has been stopped.
var ErrServerStopped = errors.New("rpcexec: server stopped")

// Server is an RPC server: it consumes a target's queues and answers
// requests with a dispatcher's endpoints, on the executor the configuration
// names.
type Server struct {
	cfg    Config
	target Target
	disp   *dispatch.Dispatcher
	tr     transport.Transport
	ownTr  bool // the server opened tr and closes it

	mu      sync.Mutex
	started bool
	stopped bool
	exec    executor.Executor
	lis     *listener.Listener
	done    chan struct{}
	stopErr error
}

// ServerOption adjusts a Server.
type ServerOption func(*Server)

// WithServerTransport makes the server use tr, which stays open after the
// server stops, instead of opening its own from Config.TransportURL.
func WithServerTransport(tr transport.Transport) ServerOption {
	return func(s *Server) { s.tr = tr }
}

// NewServer returns a server for target answering with d. It validates cfg
// and starts nothing.
func NewServer(cfg Config, target Target, d *dispatch.Dispatcher, opts ...ServerOption) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if target.Topic == "" || target.Server == "" {
		return nil, fmt.Errorf("%w: a server target needs Topic and Server, got %+v", ErrInvalidConfig, target)
	}
	if d == nil {
		return nil, fmt.Errorf("%w: a server needs a dispatcher", ErrInvalidConfig)
	}
	s := &Server{cfg: cfg, target: target, disp: d, done: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Start opens the transport if needed, declares the target's queues and
// starts the listener loop. It returns once the server is consuming.
func (s *Server) Start(ctx context.Context) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopped:
		return ErrServerStopped
	case s.started:
		return nil
	}
	if s.tr == nil {
		if s.tr, err = OpenTransport(ctx, s.cfg); err != nil {
			return err
		}
		s.ownTr = true
	}
	prefetch := s.cfg.prefetch()
	s.exec, err = executor.New(s.cfg.Executor,
		executor.WithPoolSize(s.cfg.ExecutorThreadPoolSize), executor.WithMaxInFlight(prefetch))
	if err != nil {
		return s.abortStart(err)
	}
	p, err := s.tr.Listen(ctx, s.target.transport(&s.cfg), prefetch)
	if err != nil {
		return s.abortStart(err)
	}
	ack, _ := listener.ParseAckPolicy(s.cfg.AckPolicy) // validated in NewServer
	beat, _ := heartbeat.Interval(s.cfg.HeartbeatTimeoutThreshold.Std(), s.cfg.HeartbeatRate)
	h, err := request.New(request.Options{
		Dispatcher: s.disp, Publisher: s.tr, MaxMessageSize: s.cfg.MaxMessageSize,
		MaxDeliveries: s.cfg.MaxDeliveries, DedupSize: s.cfg.DedupCacheSize,
		ReplyTimeout: s.cfg.RPCResponseTimeout.Std(), SendTracebacks: s.cfg.SendTracebacks, Logger: s.cfg.logger(),
	})
	if err != nil {
		return s.abortStart(errors.Join(err, p.Close()))
	}
	s.lis, err = listener.New(p, s.exec, h, listener.Config{
		Prefetch: prefetch, PollTimeout: s.cfg.PollTimeout.Std(), Ack: ack,
		HeartbeatInterval: beat, Logger: s.cfg.logger(),
	})
	if err != nil {
		return s.abortStart(errors.Join(err, p.Close()))
	}
	s.started = true
	return s.lis.Start()
}

// abortStart undoes a failed Start.
func (s *Server) abortStart(err error) error {
	if s.exec != nil {
		err = errors.Join(err, s.exec.Shutdown(context.Background()))
		s.exec = nil
	}
	if s.ownTr {
		err = errors.Join(err, s.tr.Close())
		s.tr, s.ownTr = nil, false
	}
	return err
}

// Stop stops consuming at once and waits, until ctx ends, for the requests
// being handled to finish and be acknowledged; requests received and not
// started go back to the queue. Stop and Close are idempotent; later calls
// wait for the first to finish and return its result.
func (s *Server) Stop(ctx context.Context) error { return s.stop(ctx, false) }

// Close stops at once without waiting for running requests: their contexts
// are cancelled and their messages return to the queue unacknowledged.
func (s *Server) Close() error { return s.stop(context.Background(), true) }

func (s *Server) stop(ctx context.Context, now bool) error {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		<-s.done
		return s.stopErr
	}
	s.stopped = true
	s.mu.Unlock()
	defer close(s.done)
	if !s.started {
		return nil
	}
	var err error
	if now {
		err = s.lis.Close()
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if e := s.exec.Shutdown(cancelled); !errors.Is(e, context.Canceled) {
			err = errors.Join(err, e)
		}
	} else {
		err = errors.Join(s.lis.Stop(ctx), s.exec.Shutdown(ctx))
	}
	if s.ownTr {
		err = errors.Join(err, s.tr.Close())
	}
	s.stopErr = err
	return err
}

// Done is closed when the server has stopped: by Stop or Close, or by
// itself when its transport gave up reconnecting (see Err).
func (s *Server) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lis != nil {
		return s.lis.Done()
	}
	return s.done
}

// Err returns why the server stopped by itself, once Done is closed; nil
// while it runs and after Stop or Close.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lis == nil {
		return nil
	}
	return s.lis.Err()
}

// Stats returns the listener's counters (zero before Start).
func (s *Server) Stats() listener.Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lis == nil {
		return listener.Stats{}
	}
	return s.lis.Stats()
}
