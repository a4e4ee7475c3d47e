package rpcexec

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// CloseTimeout bounds Server.Close and Client.Close: what closing
// connections may take once running work is abandoned.
const CloseTimeout = 2 * time.Second

// Stop stops consuming at once and waits, until ctx ends, for the requests
// being handled to finish and be acknowledged; requests received and not
// started go back to the queue. Everything the server owns is shut down
// within ctx, a silent broker included; the error says what was still
// running or could not be closed in time. Stop and Close are idempotent;
// later calls wait for the first to finish and return its result.
func (s *Server) Stop(ctx context.Context) error { return s.stop(ctx, false) }

// Close stops at once without waiting for running requests: their contexts
// are cancelled and their messages return to the queue unacknowledged. It
// returns within CloseTimeout.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), CloseTimeout)
	defer cancel()
	return s.stop(ctx, true)
}

func (s *Server) stop(ctx context.Context, now bool) error {
	s.mu.Lock()
	prev := s.state
	if prev != stopped {
		s.state, s.stopCtx, s.closeNow = stopped, ctx, now
	}
	r := s.run
	switch prev {
	case idle:
		close(s.done)
	case starting: // Start sees stopped, undoes what it built and closes done
		s.cancelStart()
	}
	s.mu.Unlock()
	if prev == serving {
		if now {
			r.lis.Close() // the watcher reports its error
		} else {
			r.lis.Stop(ctx)
		}
	}
	if prev != stopped {
		// Every step of the shutdown is bounded by ctx, so once it ends what
		// is left (dropping connections) takes no time: wait for it all.
		<-s.done
		return s.stopErr
	}
	select {
	case <-s.done:
		return s.stopErr
	case <-ctx.Done():
		return fmt.Errorf("rpcexec: stop: %w while an earlier Stop or Close was still shutting down", ctx.Err())
	}
}

// watch waits for the listener to stop, by Stop or Close or by itself
// (its poller gave up reconnecting), then shuts down the rest and closes
// done: the one goroutine a running server starts.
func (s *Server) watch(r *running) {
	<-r.lis.Done()
	s.mu.Lock()
	ctx, now := s.stopCtx, s.closeNow
	byItself := s.state != stopped
	s.state = stopped
	s.mu.Unlock()
	if byItself {
		s.runErr = r.lis.Err()
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), CloseTimeout)
		defer cancel()
	}
	s.stopErr = errors.Join(r.lis.Stop(ctx), s.shutdown(r, ctx, now))
	close(s.done)
}

// shutdown stops the executor, waiting for its tasks unless now, and
// closes an owned transport within ctx. The listener must have stopped.
func (s *Server) shutdown(r *running, ctx context.Context, now bool) error {
	var err error
	if r.exec != nil {
		wait := ctx
		if now {
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			wait = cancelled
		}
		if e := r.exec.Shutdown(wait); e != nil && !now {
			err = fmt.Errorf("rpcexec: tasks still running: %w", e)
		}
	}
	if r.ownTr && r.tr != nil {
		err = errors.Join(err, r.tr.Close(ctx))
	}
	return err
}

// Done is closed when the server has stopped and everything it owns (its
// listener, executor and a transport it opened) has shut down: by Stop or
// Close, or by itself when its transport gave up reconnecting (see Err).
func (s *Server) Done() <-chan struct{} { return s.done }

// Err returns why the server stopped by itself, once Done is closed; nil
// while it runs and after Stop or Close.
func (s *Server) Err() error {
	select {
	case <-s.done:
		return s.runErr
	default:
		return nil
	}
}
