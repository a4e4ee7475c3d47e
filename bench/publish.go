package bench

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/transport"
)

// window bounds the messages published and not yet handled, so that an
// end-to-end latency is the server's and not the age of an ever longer
// queue (and so that the embedded bus's bounded queues never fill).
type window struct{ slots chan struct{} }

func newWindow(n int) *window { return &window{slots: make(chan struct{}, n)} }

// acquire takes n slots: a fanout message takes one per server.
func (w *window) acquire(ctx context.Context, n int) error {
	for i := range n {
		select {
		case w.slots <- struct{}{}:
		case <-ctx.Done():
			w.releaseN(i)
			return ctx.Err()
		}
	}
	return nil
}

// release frees the slot of one handled message. A nil window is no bound.
// It never blocks: a message whose send failed may have reached its server
// all the same (its publisher's context ended while the broker confirmed
// it), so the publisher and the handler may both free its slot, and the
// second finds none to free.
func (w *window) release() {
	if w == nil {
		return
	}
	select {
	case <-w.slots:
	default:
	}
}

func (w *window) releaseN(n int) {
	for range n {
		w.release()
	}
}

// tally counts handled messages and says when every expected one is in.
// The number expected is known up front (a count of messages) or only once
// publishing stops (a duration), hence expect.
type tally struct {
	handled  atomic.Int64
	expected atomic.Int64
	once     sync.Once
	done     chan struct{}
	end      time.Time // when the last expected message was handled; read after done
}

func newTally() *tally {
	t := &tally{done: make(chan struct{})}
	t.expected.Store(math.MaxInt64)
	return t
}

func (t *tally) add() {
	if t.handled.Add(1) >= t.expected.Load() {
		t.finish()
	}
}

func (t *tally) expect(n int64) {
	t.expected.Store(n)
	if t.handled.Load() >= n {
		t.finish()
	}
}

func (t *tally) finish() {
	t.once.Do(func() {
		t.end = time.Now()
		close(t.done)
	})
}

// publishers runs w.Publishers goroutines, numbered from 0, calling send
// for message numbers 1, 2, … until w.Messages are sent or w.Duration has passed, each first
// taking perMsg slots of win (nil: no window). It returns how many were
// sent once all publishers have stopped; the first send error stops them
// all. When ctx ends they stop and the count so far is returned with
// ctx.Err().
func publishers(ctx context.Context, w Workload, win *window, perMsg int,
	send func(ctx context.Context, pub int, seq uint64) error) (int64, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var deadline time.Time
	if w.Duration > 0 {
		deadline = time.Now().Add(w.Duration)
	}
	var next, sent atomic.Int64
	var wg sync.WaitGroup
	for pub := range w.Publishers {
		wg.Go(func() {
			for ctx.Err() == nil {
				if !deadline.IsZero() && time.Now().After(deadline) {
					return
				}
				seq := next.Add(1)
				if w.Messages > 0 && seq > int64(w.Messages) {
					return
				}
				if win != nil {
					if win.acquire(ctx, perMsg) != nil {
						return
					}
				}
				if err := send(ctx, pub, uint64(seq)); err != nil {
					if win != nil {
						win.releaseN(perMsg)
					}
					if ctx.Err() == nil {
						cancel(err)
					}
					return
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	return sent.Load(), context.Cause(ctx) // nil, a send error or the caller's cancellation
}

// confirms are the casts each publisher sent and has not seen confirmed,
// oldest first, up to limit each: a publisher at its limit waits for its
// oldest. Each publisher uses only its own list.
type confirms struct {
	limit   int
	pending [][]waiter
}

// waiter is a cast in flight: an *rpcexec.Pending, or a sent message.
type waiter interface {
	Wait(ctx context.Context) error
}

var _ waiter = (*rpcexec.Pending)(nil)

func newConfirms(publishers, limit int) *confirms {
	return &confirms{limit: limit, pending: make([][]waiter, publishers)}
}

// add records p for publisher pub, first waiting for its oldest cast when
// it has limit of them; a cast that failed is the error.
func (c *confirms) add(ctx context.Context, pub int, p waiter) error {
	q := c.pending[pub]
	if len(q) == c.limit {
		if err := q[0].Wait(ctx); err != nil {
			return err
		}
		copy(q, q[1:])
		q = q[:len(q)-1]
	}
	c.pending[pub] = append(q, p)
	return nil
}

// wait waits for every cast to be confirmed, once the publishers stopped.
func (c *confirms) wait(ctx context.Context) error {
	for _, q := range c.pending {
		for _, p := range q {
			if err := p.Wait(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// sent is a message published with a transport's PublishAsync.
type sent struct {
	done chan struct{}
	err  error
}

// publishAsync publishes through tr without waiting for the broker when tr
// can; otherwise it publishes and returns what is already answered.
func publishAsync(ctx context.Context, tr transport.Transport, to transport.Address, m transport.Message) (*sent, error) {
	s := &sent{done: make(chan struct{})}
	ap, ok := tr.(transport.AsyncPublisher)
	if !ok {
		s.err = tr.Publish(ctx, to, m)
		close(s.done)
		return s, nil
	}
	err := ap.PublishAsync(ctx, to, m, func(err error) {
		s.err = err
		close(s.done)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *sent) Wait(ctx context.Context) error {
	select {
	case <-s.done:
		return s.err
	case <-ctx.Done():
		return ctx.Err()
	}
}
