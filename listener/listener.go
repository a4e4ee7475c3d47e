package listener

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/heartbeat"
	"github.com/rpcexec/rpcexec/poller"
)

// Errors of a Listener's life.
var (
	// ErrStopped is returned by Start on a Listener that was already stopped.
	ErrStopped = errors.New("listener: stopped")
	// ErrClosed is the cause handlers' contexts end with after Close.
	ErrClosed = errors.New("listener: closed")
)

// Handler processes one message on an executor and says what the loop must
// do with it. It must not settle the message itself. ctx ends when the
// listener is closed or its graceful stop runs out of time.
type Handler interface {
	Handle(ctx context.Context, m *poller.Message) poller.Outcome
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m *poller.Message) poller.Outcome

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, m *poller.Message) poller.Outcome { return f(ctx, m) }

// Listener moves messages from a Poller to an Executor and settles them.
type Listener struct {
	poller  poller.Poller
	exec    executor.Executor
	handler Handler
	cfg     Config

	// done carries finished tasks back to the loop. Its capacity is the
	// prefetch, and in-flight never exceeds it, so sends never block.
	done chan completion

	stopPolling context.CancelFunc      // graceful stop: no more polls or starts
	abort       context.CancelCauseFunc // hard stop: handlers' ctx ends, no more waiting
	polling     context.Context
	aborted     context.Context

	mu      sync.Mutex
	state   state
	closing context.Context // the first Stop's: bounds the Poller's close
	exited  chan struct{}
	err     error // the loop's exit error, read after exited is closed
	failed  error // the poll error that ended the loop, read after exited

	// bytes is the size of the bodies in flight and big a recent large
	// body's, for MaxInFlightBytes; the loop's alone.
	bytes, big int

	// wake cuts short the poll under way when a task finishes, so its ack is
	// applied now rather than after the poll timeout.
	wake atomic.Pointer[context.CancelFunc]

	stats counters
}

type state uint8

const (
	idle state = iota
	running
	stopped
)

type completion struct {
	msg     *poller.Message
	outcome poller.Outcome
	settle  bool // false when the message was settled before it ran
}

// New returns a Listener; nothing runs until Start.
func New(p poller.Poller, e executor.Executor, h Handler, cfg Config) (*Listener, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	l := &Listener{
		poller: p, exec: e, handler: h, cfg: cfg,
		done:   make(chan completion, cfg.Prefetch),
		exited: make(chan struct{}),
	}
	l.aborted, l.abort = context.WithCancelCause(context.Background())
	l.polling, l.stopPolling = context.WithCancel(l.aborted)
	return l, nil
}

// Start runs the loop in a goroutine owned by the Listener until Stop or Close.
func (l *Listener) Start() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch l.state {
	case running:
		return nil
	case stopped:
		return ErrStopped
	}
	l.state = running
	go l.run()
	return nil
}

// Stop stops polling at once, requeues what was received and not started,
// and keeps acknowledging running tasks until they finish or ctx ends; then
// it closes the Poller, within what is left of ctx. Its error says what was
// still running, or what closing the Poller could not finish in time.
// Stop is idempotent and safe from any goroutine; the first call's ctx
// bounds the Poller's close.
func (l *Listener) Stop(ctx context.Context) error {
	l.mu.Lock()
	if l.closing == nil {
		l.closing = ctx
	}
	l.stopPolling()
	if l.state == idle { // never started: nothing runs, but the Poller is ours
		l.err = l.closePoller(ctx)
		close(l.exited)
	}
	l.state = stopped
	l.mu.Unlock()
	select {
	case <-l.exited:
	case <-ctx.Done():
		l.abort(ctx.Err())
		<-l.exited
	}
	return l.err
}

// CloseTimeout bounds Close: what the Poller's close may take after the
// running tasks are abandoned.
const CloseTimeout = time.Second

// Close stops at once: handlers' contexts end and running tasks are not
// waited for (which is no error); their messages go back to the queue when
// the Poller closes. It returns within CloseTimeout.
func (l *Listener) Close() error {
	l.abort(ErrClosed)
	ctx, cancel := context.WithTimeout(context.Background(), CloseTimeout)
	defer cancel()
	return l.Stop(ctx)
}

// Done is closed when the loop has exited and the Poller is closed.
func (l *Listener) Done() <-chan struct{} { return l.exited }

// Err returns, once Done is closed, the poll error that stopped the loop by
// itself (the poller gave up reconnecting), or nil after Stop or Close.
func (l *Listener) Err() error {
	select {
	case <-l.exited:
		return l.failed
	default:
		return nil
	}
}

// Stats returns the listener's counters.
func (l *Listener) Stats() Stats { return l.stats.snapshot() }

func (l *Listener) run() {
	defer close(l.exited)
	running := l.drain(l.loop())
	var err error
	if cause := context.Cause(l.aborted); running > 0 && cause != ErrClosed {
		err = fmt.Errorf("listener: stop: %d tasks still running when stopped (their messages go back "+
			"to the queue): %w", running, cause)
	}
	l.mu.Lock()
	ctx := l.closing
	l.mu.Unlock()
	l.err = errors.Join(err, l.closePoller(ctx))
}

// closePoller closes the Poller within ctx, the first Stop's, or within
// CloseTimeout when ctx is nil (the loop ended by itself).
func (l *Listener) closePoller(ctx context.Context) error {
	if ctx == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), CloseTimeout)
		defer cancel()
	}
	if err := l.poller.Close(ctx); err != nil {
		return fmt.Errorf("listener: closing the poller: %w", err)
	}
	return nil
}

// loop is the listener's one goroutine while polling. It returns the number
// of tasks still running when polling stopped.
//
// Messages received and not yet started wait in waiting: the executor may
// be full (a pool of 64 with 128 in flight), and the loop does not block on
// it. It offers them again each turn, after settling and the heartbeat
// check, waking when a task finishes or the next check is due.
func (l *Listener) loop() (inflight int) {
	checker, _ := l.poller.(heartbeat.Checker)
	beat := heartbeat.NewSchedule(l.cfg.HeartbeatInterval, time.Now())
	var pending []poller.Settlement
	var waiting []*poller.Message
	for l.polling.Err() == nil {
		inflight -= l.collect(&pending)
		l.stats.setInFlight(inflight)
		pending = l.settle(pending)
		if checker != nil && beat.Due(time.Now()) {
			if err := checker.CheckHeartbeat(l.polling); err != nil && l.polling.Err() == nil {
				l.stats.heartbeatFailures.Add(1)
				l.cfg.Logger.Warn("listener: heartbeat check failed", "err", err)
			}
		}
		if len(waiting) > 0 {
			waiting = l.submit(waiting, min(l.cfg.PollTimeout, beat.Until(time.Now())), inflight > len(waiting))
			continue
		}
		room := min(l.cfg.Prefetch-inflight, l.byteRoom())
		if room == 0 {
			inflight -= l.awaitCompletion(&pending, beat.Until(time.Now()))
			continue
		}
		wait := min(l.cfg.PollTimeout, beat.Until(time.Now()))
		batch, err := l.poll(wait, room, inflight > 0)
		if err != nil {
			l.pollFailed(err)
			continue
		}
		l.received(batch, &pending)
		inflight += len(batch)
		l.count(batch)
		l.stats.setInFlight(inflight)
		waiting = l.submit(batch, min(l.cfg.PollTimeout, beat.Until(time.Now())), inflight > len(batch))
	}
	inflight -= l.unstarted(waiting, &pending)
	l.settle(pending)
	return inflight
}
