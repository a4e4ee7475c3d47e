package rabbit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rpcexec/rpcexec/poller"
)

// Settle implements poller.Poller. Settlements of an earlier generation are
// skipped (the broker requeued those messages when their channel went) and
// counted. The others are sent coalesced, as ledger explains: a batch that
// settles everything outstanding in order costs one frame, and settlements
// above a gap wait (up to half the prefetch of them, for at most maxHold)
// for the gap to fill. Invalid
// settlements (nil or unknown messages, unknown outcomes, a message settled
// twice) are not sent, so they cannot cost the channel; they are reported
// together in the error, after the valid ones are applied.
//
// A failure to send means the channel is going: the session is discarded,
// the reconnect schedule starts, and the error says so.
func (p *Poller) Settle(_ context.Context, batch []poller.Settlement) error {
	if p.closed {
		return poller.ErrClosed
	}
	var errs []error
	stale := 0
	for _, st := range batch {
		m := st.Msg
		switch {
		case m == nil:
			errs = append(errs, fmt.Errorf("%w: nil message", ErrUnknownDelivery))
		case st.Outcome > poller.Reject:
			errs = append(errs, fmt.Errorf("rabbit: unknown outcome %v for tag %d of queue %q", st.Outcome, m.Tag, m.Queue))
		case p.s == nil || m.Generation != p.s.gen:
			stale++
		case !p.ledger.mark(m.Tag, st.Outcome):
			errs = append(errs, fmt.Errorf("%w: tag %d of queue %q is not outstanding on this channel (settled twice?)",
				ErrUnknownDelivery, m.Tag, m.Queue))
		}
	}
	if stale > 0 {
		p.skipped += uint64(stale)
		p.o.Logger.Debug("rabbit: skipped settlements of a lost connection; the broker requeued those messages",
			"count", stale, "generation", p.gen, "connected", p.s != nil)
	}
	if p.s != nil {
		p.ops = p.ledger.plan(p.ops[:0], p.o.Prefetch/2)
		if err := p.send(p.ops); err != nil {
			errs = append(errs, err)
		}
		p.noteHeld(time.Now())
	}
	return errors.Join(errs...)
}

// maxHold bounds how long plan may hold settlements back waiting for a gap
// to fill: out-of-order finishes of a pool are microseconds apart, and a
// held ack keeps its message, and a prefetch slot, on the broker.
const maxHold = 10 * time.Millisecond

// noteHeld starts the hold clock when plan begins holding settlements back
// and stops it when it holds none.
func (p *Poller) noteHeld(now time.Time) {
	switch {
	case p.ledger.kept == 0:
		p.heldSince = time.Time{}
	case p.heldSince.IsZero():
		p.heldSince = now
	}
}

// holdDeadline is when held-back settlements must go out; zero when none
// are held.
func (p *Poller) holdDeadline() time.Time {
	if p.heldSince.IsZero() {
		return time.Time{}
	}
	return p.heldSince.Add(maxHold)
}

// flushHeld sends the settlements plan held back, so that they do not wait
// on the broker for a gap that may take long to fill (a slow task) or never
// will (Close): Poll calls it once they are held maxHold.
func (p *Poller) flushHeld() error {
	if p.s == nil {
		return nil
	}
	p.ops = p.ledger.flush(p.ops[:0])
	p.heldSince = time.Time{}
	return p.send(p.ops)
}

// send writes the frames of one Settle on the current channel.
func (p *Poller) send(ops []op) error {
	ch := p.s.ch
	for _, o := range ops {
		var err error
		switch {
		case o.outcome == poller.Ack:
			err = ch.Ack(o.tag, o.multiple)
		case o.outcome == poller.Requeue:
			err = ch.Nack(o.tag, o.multiple, true)
		case o.multiple: // basic.reject has no multiple form; RabbitMQ dead-letters a nack without requeue alike
			err = ch.Nack(o.tag, true, false)
		default:
			err = ch.Reject(o.tag, false)
		}
		if err != nil {
			cause := err
			if p.s.broken() {
				cause = p.s.cause()
			}
			p.lose(cause)
			return fmt.Errorf("rabbit: settling: %v of tag %d failed; the channel is gone, so the broker requeues "+
				"what it held unsettled and the poller reconnects: %w", o.outcome, o.tag, cause)
		}
	}
	return nil
}
