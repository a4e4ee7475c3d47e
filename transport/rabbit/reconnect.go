package rabbit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rpcexec/rpcexec/poller"
)

// retry is the reconnect schedule: when the next attempt is due, the one
// under way, and how many have failed since the connection was lost.
type retry struct {
	pending  *attempt
	failures int
	due      time.Time
	cause    error // why the connection was lost, then why the last attempt failed
	gaveUp   error // set after MaxRetries failures; final
	wg       sync.WaitGroup
}

// attempt is one connection attempt, run on its own goroutine so that a
// broker that accepts and then stays silent holds up the attempt, never the
// loop.
type attempt struct {
	done chan struct{} // closed when s or err is set
	s    *session
	err  error
}

// abandon waits for the attempt under way, whose context has ended, and
// closes what it built.
func (r *retry) abandon() {
	r.wg.Wait()
	if a := r.pending; a != nil && a.s != nil {
		_ = a.s.close(context.Background())
	}
	r.pending = nil
}

// lose discards the current session and starts the reconnect schedule. The
// broker requeues whatever the lost channel held unsettled; the new session
// has a new generation, so their settlements are skipped.
func (p *Poller) lose(cause error) {
	s := p.s
	p.s = nil
	dead, cancel := context.WithCancel(context.Background())
	cancel() // the connection is lost or silent: no handshake
	if err := s.close(dead); err != nil {
		p.o.Logger.Debug("rabbit: closing the lost connection", "generation", s.gen, "err", err)
	}
	p.ledger.reset()
	delay := p.o.retryDelay(1)
	p.retry.failures, p.retry.cause, p.retry.due = 0, cause, time.Now().Add(delay)
	p.o.Logger.Warn("rabbit: connection lost; the broker requeues unsettled messages",
		"generation", s.gen, "err", cause, "retry_in", delay)
}

// reconnect runs the schedule until a session is up, deadline passes, ctx
// ends or the Poller gives up. It starts an attempt when one is due and
// waits for it no longer than deadline; an attempt still under way then is
// waited for by the next call.
func (p *Poller) reconnect(ctx context.Context, deadline time.Time) error {
	r := &p.retry
	for p.s == nil && r.gaveUp == nil {
		now := time.Now()
		if r.pending == nil && !now.Before(r.due) {
			p.start()
		}
		wake, done := deadline, (<-chan struct{})(nil)
		if r.pending != nil {
			done = r.pending.done
		} else if r.due.Before(wake) {
			wake = r.due
		}
		select {
		case <-done:
			p.finish()
			continue
		default:
		}
		if !now.Before(deadline) {
			return nil
		}
		p.timer.Reset(wake.Sub(now))
		select {
		case <-done:
			p.timer.Stop()
			p.finish()
		case <-p.timer.C:
		case <-ctx.Done():
			p.timer.Stop()
			return ctx.Err()
		}
	}
	return r.gaveUp
}

// start runs a connection attempt on a goroutine that Close waits for.
func (p *Poller) start() {
	a := &attempt{done: make(chan struct{})}
	p.retry.pending = a
	p.retry.wg.Go(func() {
		defer close(a.done)
		a.s, a.err = open(p.life, p.connect, p.declare, p.o)
	})
}

// finish takes the result of the attempt that is done: a new session, or
// the next due time, or giving up.
func (p *Poller) finish() {
	r := &p.retry
	a := r.pending
	r.pending = nil
	n := r.failures + 1
	if a.err == nil {
		p.install(a.s)
		r.failures, r.cause = 0, nil
		p.o.Logger.Info("rabbit: reconnected, consumers declared again",
			"attempts", n, "generation", p.gen, "queues", a.s.queues)
		return
	}
	r.failures, r.cause = n, a.err
	if p.o.MaxRetries > 0 && n >= p.o.MaxRetries {
		r.gaveUp = fmt.Errorf("%w after %d failed attempts: %w", poller.ErrGaveUp, n, a.err)
		p.o.Logger.Error("rabbit: gave up reconnecting", "attempts", n, "err", a.err)
		return
	}
	delay := p.o.retryDelay(n + 1)
	r.due = time.Now().Add(delay)
	p.o.Logger.Warn("rabbit: reconnect attempt failed", "attempt", n, "retry_in", delay, "err", a.err)
}

// CheckHeartbeat implements heartbeat.Checker: it checks that the
// connection is alive, its consumers registered and that the broker said
// something within Silence (a live RabbitMQ sends a heartbeat at least every
// half negotiated interval). A connection that fails the check is thrown
// away and the reconnect schedule starts. The check does no network I/O.
// While reconnecting it keeps returning an error.
func (p *Poller) CheckHeartbeat(context.Context) error {
	if p.closed {
		return poller.ErrClosed
	}
	if s := p.s; s != nil {
		quiet := s.conn.sock.silentFor(time.Now())
		switch {
		case s.broken():
			p.lose(s.cause())
		case p.o.Silence > 0 && quiet >= p.o.Silence:
			p.lose(fmt.Errorf("rabbit: nothing from the broker for %s (heartbeat_timeout_threshold less one check): "+
				"the connection is dead or the broker frozen", quiet.Round(time.Millisecond)))
		default:
			return nil
		}
	}
	if p.retry.gaveUp != nil {
		return p.retry.gaveUp
	}
	return fmt.Errorf("rabbit: not connected, reconnecting (%d attempts failed so far): %w",
		p.retry.failures, p.retry.cause)
}
