package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/rpcexec/rpcexec/poller"
)

// inflight holds a Poller's unsettled deliveries in reusable slots, so a
// delivery costs no map operation or allocation. A tag is the slot index in
// its low 32 bits and the slot's use count in its high 32 bits, so the tag of
// a settled delivery never matches the slot's next occupant.
type inflight struct {
	slots []slot
	free  []uint32
	n     int    // slots in use
	seq   uint64 // deliveries so far, to put requeued messages back in order
}

type slot struct {
	q    *queue
	e    entry
	seq  uint64
	uses uint32
	used bool
}

// hold stores a delivery and returns its tag.
func (f *inflight) hold(q *queue, e entry) uint64 {
	var i uint32
	if k := len(f.free); k > 0 {
		i, f.free = f.free[k-1], f.free[:k-1]
	} else {
		f.slots = append(f.slots, slot{})
		i = uint32(len(f.slots) - 1)
	}
	s := &f.slots[i]
	f.seq++
	s.q, s.e, s.seq, s.used = q, e, f.seq, true
	s.uses++
	f.n++
	return uint64(s.uses)<<32 | uint64(i)
}

// release frees slot i and returns what it held.
func (f *inflight) release(i uint32) held {
	s := &f.slots[i]
	h := held{q: s.q, e: s.e, seq: s.seq}
	s.q, s.e, s.used = nil, entry{}, false
	f.free = append(f.free, i)
	f.n--
	h.q.unacked.Add(-1)
	return h
}

// held is a released delivery on its way back to its queue.
type held struct {
	q   *queue
	e   entry
	seq uint64
}

// lookup finds the slot of a message this Poller delivered and has not yet
// settled.
func (p *Poller) lookup(m *poller.Message) (uint32, error) {
	if m == nil {
		return 0, fmt.Errorf("%w: nil message", ErrUnknownDelivery)
	}
	i := uint32(m.Tag)
	slots := p.unsettled.slots
	if m.Generation != p.id || int(i) >= len(slots) || !slots[i].used || slots[i].uses != uint32(m.Tag>>32) {
		return 0, fmt.Errorf("%w: tag %#x from queue %q was not delivered by this poller or is already settled",
			ErrUnknownDelivery, m.Tag, m.Queue)
	}
	return i, nil
}

// Settle implements poller.Poller. Every valid settlement is applied; the
// others (unknown or already settled messages, unknown outcomes) are
// reported together in the error.
func (p *Poller) Settle(_ context.Context, batch []poller.Settlement) error {
	if p.closed {
		return poller.ErrClosed
	}
	var errs []error
	var back []held
	for _, s := range batch {
		if s.Outcome > poller.Reject {
			errs = append(errs, fmt.Errorf("%w: outcome %v", ErrInvalidArgument, s.Outcome))
			continue
		}
		i, err := p.lookup(s.Msg)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		h := p.unsettled.release(i)
		switch {
		case s.Outcome == poller.Requeue:
			back = append(back, h)
		case s.Outcome == poller.Reject && h.q.opts.DeadLetterExchange != "":
			p.dead = append(p.dead, taken{q: h.q, e: h.e})
		}
	}
	requeue(back)
	p.flushDead(reasonRejected)
	return errors.Join(errs...)
}

// requeue puts messages back at the head of their queues, in the order they
// were delivered, locking each queue once. Requeues ignore the queue limit,
// as on RabbitMQ; a queue deleted meanwhile drops them.
func requeue(back []held) {
	slices.SortFunc(back, func(a, b held) int {
		return cmp.Or(cmp.Compare(a.q.id, b.q.id), cmp.Compare(b.seq, a.seq))
	})
	for len(back) > 0 {
		q := back[0].q
		n := 1
		for n < len(back) && back[n].q == q {
			n++
		}
		q.mu.Lock()
		if !q.deleted {
			wasEmpty := q.ready.n == 0
			for _, h := range back[:n] {
				q.ready.pushFront(h.e)
			}
			if wasEmpty {
				q.signal()
			}
		}
		q.mu.Unlock()
		back = back[n:]
	}
}

// Close implements poller.Poller: unsettled messages go back to the head of
// their queues as redeliveries, and an auto-delete queue left without
// consumers is deleted.
func (p *Poller) Close(context.Context) error {
	if p.closed {
		return nil
	}
	p.closed = true
	p.timer.Stop()
	var back []held
	for i := range p.unsettled.slots {
		if p.unsettled.slots[i].used {
			back = append(back, p.unsettled.release(uint32(i)))
		}
	}
	requeue(back)
	for _, q := range p.queues {
		p.bus.leave(q, p)
	}
	return nil
}

// leave unregisters consumer c from q and deletes q if it auto-deletes and
// c was its last consumer. Holding b.mu keeps a Consume from joining between
// the check and the delete.
func (b *Bus) leave(q *queue, c *Poller) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q.mu.Lock()
	q.consumers = slices.DeleteFunc(q.consumers, func(o *Poller) bool { return o == c })
	unused := q.opts.AutoDelete && len(q.consumers) == 0 && !q.deleted
	q.mu.Unlock()
	if unused {
		b.deleteLocked(q)
	}
}
