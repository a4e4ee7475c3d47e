package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rpcexec/rpcexec/poller"
)

// Poller consumes one or more queues of a Bus for one listener loop. It
// implements poller.Poller. Several Pollers on one queue compete: each
// message goes to one of them.
type Poller struct {
	bus       *Bus
	id        uint64 // the Generation of every message it delivers
	queues    []*queue
	prefetch  int           // 0 = unlimited
	notify    chan struct{} // cap 1; queues send when they stop being empty
	timer     *time.Timer   // the Poll timeout, reused
	next      int           // queue that takes first in the next Poll
	more      []bool        // scratch: which queues had messages left
	taken     []taken       // scratch: a batch on its way out
	dead      []taken       // scratch: entries to dead-letter
	unsettled inflight      // delivered, not settled
	closed    bool
}

// taken is an entry and the queue it came from (or goes back to).
type taken struct {
	q *queue
	e entry
}

var _ poller.Poller = (*Poller)(nil)

// Consume returns a Poller over queues, taking from them in turn. prefetch
// bounds the messages it holds unsettled, like AMQP's basic.qos; 0 means no
// bound.
func (b *Bus) Consume(prefetch int, queues ...string) (*Poller, error) {
	if prefetch < 0 {
		return nil, fmt.Errorf("%w: prefetch must be >= 0, got %d", ErrInvalidArgument, prefetch)
	}
	if len(queues) == 0 {
		return nil, fmt.Errorf("%w: consume needs at least one queue", ErrInvalidArgument)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	p := &Poller{
		bus:      b,
		id:       b.ids.Add(1),
		prefetch: prefetch,
		notify:   make(chan struct{}, 1),
		timer:    time.NewTimer(time.Hour),
		more:     make([]bool, len(queues)),
	}
	p.timer.Stop()
	for i, name := range queues {
		if slices.Contains(queues[:i], name) {
			return nil, fmt.Errorf("%w: queue %q listed twice", ErrInvalidArgument, name)
		}
		q, ok := b.queues[name]
		if !ok {
			return nil, fmt.Errorf("%w: cannot consume %q (declare it first)", ErrNoQueue, name)
		}
		p.queues = append(p.queues, q)
	}
	for _, q := range p.queues {
		q.mu.Lock()
		q.consumers = append(q.consumers, p)
		q.mu.Unlock()
	}
	return p, nil
}

// Poll implements poller.Poller. It returns at most max messages and never
// more than prefetch leaves room for; with no room it takes nothing and
// waits out the timeout, as an AMQP consumer receives nothing until it acks.
func (p *Poller) Poll(ctx context.Context, timeout time.Duration, max int) ([]*poller.Message, error) {
	if p.closed {
		return nil, poller.ErrClosed
	}
	if max < 1 {
		return nil, fmt.Errorf("%w: poll max must be >= 1, got %d", ErrInvalidArgument, max)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	armed := false
	defer func() {
		if armed {
			p.timer.Stop()
		}
	}()
	for {
		select {
		case <-p.notify: // drop a stale wake-up: the take below sees all published before it
		default:
		}
		n := max
		if p.prefetch > 0 {
			n = min(n, p.prefetch-p.unsettled.n)
		}
		wake := p.notify
		if n > 0 {
			if msgs, err := p.take(n); len(msgs) > 0 || err != nil {
				return msgs, err
			}
		} else {
			wake = nil // nothing can be taken before the loop settles
		}
		if !armed {
			if timeout <= 0 {
				return nil, nil
			}
			p.timer.Reset(timeout)
			armed = true
		}
		select {
		case <-wake:
		case <-p.timer.C:
			armed = false
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// take moves up to n messages out of the queues. Each queue's share is taken
// under one lock; the queue that goes first rotates between calls and each
// gets an equal quota before any gets more, so a busy queue cannot starve
// the others. An error (a deleted queue) is returned only when nothing was
// taken, so no message is dropped.
func (p *Poller) take(n int) ([]*poller.Message, error) {
	now := p.bus.now()
	clock := now.Sub(p.bus.epoch)
	k := len(p.queues)
	start := p.next
	p.next = (p.next + 1) % k
	var firstErr error
	quota := (n + k - 1) / k
	for i := 0; i < k && len(p.taken) < n; i++ {
		j := (start + i) % k
		more, err := p.takeFrom(p.queues[j], min(quota, n-len(p.taken)), clock)
		p.more[j] = more
		if firstErr == nil {
			firstErr = err
		}
	}
	for i := 0; i < k && len(p.taken) < n; i++ {
		if j := (start + i) % k; p.more[j] {
			_, _ = p.takeFrom(p.queues[j], n-len(p.taken), clock) // only queues that had more
		}
	}
	p.flushDead(reasonExpired)
	if len(p.taken) == 0 {
		return nil, firstErr
	}
	return p.deliver(now), nil
}

// takeFrom moves up to n live entries of q into p.taken, discarding expired
// ones on the way, and reports whether q has entries left.
func (p *Poller) takeFrom(q *queue, n int, clock time.Duration) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return false, fmt.Errorf("%w: %q was deleted while consumed", ErrNoQueue, q.name)
	}
	got := 0
	for got < n && q.ready.n > 0 {
		e := q.ready.popFront()
		if e.expires != 0 && e.expires <= clock {
			if q.opts.DeadLetterExchange != "" {
				p.dead = append(p.dead, taken{q: q, e: e})
			}
			continue
		}
		e.deliveries++
		p.taken = append(p.taken, taken{q: q, e: e})
		got++
	}
	q.unacked.Add(int64(got))
	return q.ready.n > 0, nil
}

// deliver turns p.taken into messages, holding each until it is settled. The
// messages of a batch share one allocation.
func (p *Poller) deliver(now time.Time) []*poller.Message {
	msgs := make([]poller.Message, len(p.taken))
	out := make([]*poller.Message, len(p.taken))
	for i, t := range p.taken {
		var deadline time.Time
		if t.e.expires > 0 {
			deadline = p.bus.epoch.Add(t.e.expires)
		}
		msgs[i] = poller.Message{
			Body:        t.e.body,
			ContentType: t.e.contentType,
			Headers:     t.e.headers,
			Queue:       t.q.name,
			Redelivered: t.e.deliveries > 1,
			Deliveries:  t.e.deliveries,
			Received:    now,
			Deadline:    deadline,
			Tag:         p.unsettled.hold(t.q, t.e),
			Generation:  p.id,
		}
		out[i] = &msgs[i]
	}
	clear(p.taken)
	p.taken = p.taken[:0]
	return out
}

// flushDead dead-letters p.dead for reason. It runs with no queue locked.
func (p *Poller) flushDead(reason string) {
	for _, d := range p.dead {
		p.bus.deadLetter(d.q, d.e, reason)
	}
	clear(p.dead)
	p.dead = p.dead[:0]
}
