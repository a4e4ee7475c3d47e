package rabbit

import (
	"context"
	"fmt"
	"time"

	"github.com/rpcexec/rpcexec/heartbeat"
	"github.com/rpcexec/rpcexec/poller"
)

// Poller consumes RabbitMQ queues for one listener loop over a connection
// and channel of its own, and rebuilds them when they are lost.
type Poller struct {
	connect connector
	declare declarerFunc
	o       consumeOptions
	life    context.Context // ends at Close; reconnect attempts run under it
	end     context.CancelFunc

	s      *session // nil while reconnecting
	gen    uint64   // sessions installed so far; the current one's Generation
	ledger ledger   // delivery tags of s
	retry  retry    // the reconnect schedule while s is nil
	timer  *time.Timer
	batch  []arrival // scratch: a batch on its way out
	ops    []op      // scratch: the frames of one Settle

	heldSince time.Time // when settlements were first held back; zero when none are
	skipped   uint64    // settlements of lost sessions skipped
	closed    bool
}

var (
	_ poller.Poller     = (*Poller)(nil)
	_ heartbeat.Checker = (*Poller)(nil)
)

// startPoller connects, declares and starts consuming. ctx bounds this first
// attempt, which is not retried: an error says which step failed and why.
// Later reconnect attempts get a context carrying ctx's values that ends
// when the Poller is closed.
func startPoller(ctx context.Context, connect connector, declare declarerFunc, o consumeOptions) (*Poller, error) {
	if connect == nil || declare == nil {
		return nil, fmt.Errorf("%w: a connector and a declarer are required", errInvalidConsume)
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	s, err := open(ctx, connect, declare, o)
	if err != nil {
		return nil, err
	}
	p := &Poller{connect: connect, declare: declare, o: o, timer: time.NewTimer(time.Hour)}
	p.timer.Stop()
	p.life, p.end = context.WithCancel(context.WithoutCancel(ctx))
	p.install(s)
	return p, nil
}

// install makes s the current session, with a new generation.
func (p *Poller) install(s *session) {
	p.gen++
	s.gen = p.gen
	p.s = s
	p.ledger.reset()
	p.heldSince = time.Time{}
}

// Poll implements poller.Poller. While the connection is down it runs the
// reconnect schedule for at most timeout and returns an empty batch until a
// new session is up (see package documentation).
func (p *Poller) Poll(ctx context.Context, timeout time.Duration, max int) ([]*poller.Message, error) {
	if p.closed {
		return nil, poller.ErrClosed
	}
	if max < 1 {
		return nil, fmt.Errorf("rabbit: poll max must be >= 1, got %d", max)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	end := time.Now().Add(timeout)
	for {
		deadline := end
		if hold := p.holdDeadline(); !hold.IsZero() && p.s != nil {
			if !time.Now().Before(hold) {
				if err := p.flushHeld(); err != nil {
					p.o.Logger.Warn("rabbit: sending held-back settlements failed", "err", err)
				}
				continue
			}
			if hold.Before(deadline) {
				deadline = hold // back here in time to send them
			}
		}
		if p.s == nil {
			if err := p.reconnect(ctx, deadline); err != nil || p.s == nil {
				return nil, err
			}
		}
		if p.s.broken() {
			p.lose(p.s.cause())
			continue
		}
		msgs, lost, err := p.receive(ctx, deadline, max)
		switch {
		case lost:
		case len(msgs) == 0 && err == nil && time.Now().Before(end):
			// woken to send held-back settlements; wait on until end
		default:
			return msgs, err
		}
	}
}

// receive takes up to max deliveries of the current session, waiting until
// deadline for the first. lost reports that the session broke meanwhile.
func (p *Poller) receive(ctx context.Context, deadline time.Time, max int) (_ []*poller.Message, lost bool, _ error) {
	s := p.s
	p.take(s, max)
	if len(p.batch) == 0 {
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, false, nil
		}
		p.timer.Reset(wait)
		select {
		case a := <-s.in:
			p.timer.Stop()
			p.batch = append(p.batch, a)
			p.take(s, max)
		case <-s.lost:
			p.timer.Stop()
			return nil, true, nil
		case <-p.timer.C:
			return nil, false, nil
		case <-ctx.Done():
			p.timer.Stop()
			return nil, false, ctx.Err()
		}
	}
	return p.deliver(s), false, nil
}

// take moves what is ready, up to max, into p.batch without waiting.
func (p *Poller) take(s *session, max int) {
	for len(p.batch) < max {
		select {
		case a := <-s.in:
			p.batch = append(p.batch, a)
		default:
			return
		}
	}
}

// deliver turns p.batch into messages and records their tags as
// outstanding. The messages of a batch share one allocation.
func (p *Poller) deliver(s *session) []*poller.Message {
	now := time.Now()
	msgs := make([]poller.Message, len(p.batch))
	out := make([]*poller.Message, len(p.batch))
	for i, a := range p.batch {
		var deadline time.Time
		if a.ttl > 0 {
			deadline = now.Add(a.ttl)
		}
		msgs[i] = poller.Message{
			Body:        a.body,
			ContentType: a.contentType,
			Headers:     a.headers,
			Queue:       s.queues[a.queue],
			Redelivered: a.redelivered,
			Deliveries:  deliveries(a),
			Received:    now,
			Deadline:    deadline,
			Tag:         a.tag,
			Generation:  s.gen,
		}
		out[i] = &msgs[i]
		p.ledger.deliver(a.tag)
	}
	clear(p.batch)
	p.batch = p.batch[:0]
	return out
}

// deliveries counts the deliveries of a message including this one. Quorum
// queues count the earlier ones in x-delivery-count; without it a first
// delivery is 1 and a redelivery unknown (0).
func deliveries(a arrival) int {
	if n, ok := count(a.headers["x-delivery-count"]); ok {
		return n + 1
	}
	if !a.redelivered {
		return 1
	}
	return 0
}

// count reads a non-negative header value of any AMQP integer type.
func count(v any) (int, bool) {
	var n int64
	switch v := v.(type) {
	case int64:
		n = v
	case int32:
		n = int64(v)
	case int16:
		n = int64(v)
	case int8:
		n = int64(v)
	case uint32:
		n = int64(v)
	case uint16:
		n = int64(v)
	case uint8:
		n = int64(v)
	default:
		return 0, false
	}
	return int(n), n >= 0
}

// Close implements poller.Poller: it stops a reconnect attempt under way,
// closes the connection within ctx (the broker requeues what was not
// settled) and waits for every goroutine the Poller started. Later calls of
// the other methods return poller.ErrClosed.
func (p *Poller) Close(ctx context.Context) error {
	if p.closed {
		return nil
	}
	flushErr := p.flushHeld() // handled messages must not go back to the queue
	p.closed = true
	p.end()
	p.timer.Stop()
	p.retry.abandon()
	s := p.s
	p.s = nil
	if s == nil {
		return flushErr
	}
	if err := s.close(ctx); err != nil {
		return fmt.Errorf("rabbit: closing the connection (the broker requeues unsettled messages all the same): %w", err)
	}
	return flushErr
}
