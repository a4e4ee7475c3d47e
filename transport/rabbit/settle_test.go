package rabbit

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/poller"
)

// TestCoalescing: on the broker, a batch that settles everything
// outstanding goes out as one multiple ack, and a batch that leaves a lower
// tag outstanding does not ack that tag with it: it can still be requeued
// and comes back.
func TestCoalescing(t *testing.T) {
	r := newRabbit(t)
	q := r.queue(t, nil)
	p := testPoller(t, dial(r.url, 0), declareQueue(q, nil), consumeOptions{Prefetch: 10})

	r.mustPublish(t, q, "1", "2", "3", "4")
	msgs := receive(t, p, 4)
	settle(t, p, poller.Ack, msgs...)
	if want := []op{{tag: msgs[3].Tag, outcome: poller.Ack, multiple: true}}; !slices.Equal(p.ops, want) {
		t.Errorf("acking all 4 sent %+v, want %+v", p.ops, want)
	}

	r.mustPublish(t, q, "a", "b", "c")
	msgs = receive(t, p, 3)
	settle(t, p, poller.Ack, msgs[1], msgs[2])
	if slices.ContainsFunc(p.ops, func(o op) bool { return o.multiple }) {
		t.Errorf("acking b and c with a outstanding sent %+v, want no multiple frame", p.ops)
	}
	settle(t, p, poller.Requeue, msgs[0])
	again := receive(t, p, 1)
	if m := again[0]; string(m.Body) != "a" || !m.Redelivered || m.Generation != msgs[0].Generation {
		t.Errorf("after requeue got %q (Redelivered %v, Generation %d), want a redelivered on generation %d",
			m.Body, m.Redelivered, m.Generation, msgs[0].Generation)
	}
	settle(t, p, poller.Ack, again...)
	expectNone(t, p)
}

// TestSettleRefusesInvalid: settlements the broker would answer by closing
// the channel (a tag settled twice) are reported and not sent; the valid
// ones in the same batch are applied and the channel lives on.
func TestSettleRefusesInvalid(t *testing.T) {
	r := newRabbit(t)
	q := r.queue(t, nil)
	p := testPoller(t, dial(r.url, 0), declareQueue(q, nil), consumeOptions{Prefetch: 10})
	r.mustPublish(t, q, "x", "y")
	msgs := receive(t, p, 2)
	settle(t, p, poller.Ack, msgs[0])

	err := p.Settle(context.Background(), []poller.Settlement{
		{Msg: msgs[0], Outcome: poller.Ack}, // again
		{Msg: nil, Outcome: poller.Ack},
		{Msg: msgs[1], Outcome: poller.Outcome(9)},
		{Msg: msgs[1], Outcome: poller.Requeue},
	})
	if !errors.Is(err, ErrUnknownDelivery) {
		t.Fatalf("Settle = %v, want %v", err, ErrUnknownDelivery)
	}
	again := receive(t, p, 1)
	if m := again[0]; string(m.Body) != "y" || m.Generation != msgs[1].Generation {
		t.Errorf("got %q on generation %d, want y requeued on generation %d (the channel survived)",
			m.Body, m.Generation, msgs[1].Generation)
	}
	settle(t, p, poller.Ack, again...)
	expectNone(t, p)
}

// TestCloseSendsHeldBack: acks held back above an outstanding tag are sent
// when the poller closes, so handled messages do not return to the queue;
// only the unsettled one does.
func TestCloseSendsHeldBack(t *testing.T) {
	r := newRabbit(t)
	q := r.queue(t, nil)
	p := testPoller(t, dial(r.url, 0), declareQueue(q, nil), consumeOptions{Prefetch: 10})
	r.mustPublish(t, q, "1", "2", "3")
	msgs := receive(t, p, 3)
	settle(t, p, poller.Ack, msgs[1], msgs[2])
	if len(p.ops) != 0 {
		t.Fatalf("acks above outstanding tag 1 sent at once as %+v, want them held back", p.ops)
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	again := testPoller(t, dial(r.url, 0), declareQueue(q, nil), consumeOptions{Prefetch: 10})
	back := receive(t, again, 1)
	if string(back[0].Body) != "1" || !back[0].Redelivered {
		t.Errorf("after close got %q (Redelivered %v), want only 1, redelivered", back[0].Body, back[0].Redelivered)
	}
	settle(t, again, poller.Ack, back...)
	expectNone(t, again)
}

// TestHeldBackSentWithinMaxHold: acks held back above an outstanding tag go
// out once held maxHold, from within a Poll that waits for nothing else,
// without a heartbeat check or another Settle: on the broker only the
// outstanding message stays unacknowledged.
func TestHeldBackSentWithinMaxHold(t *testing.T) {
	r := newRabbit(t)
	q := r.queue(t, nil)
	p := testPoller(t, dial(r.url, 0), declareQueue(q, nil), consumeOptions{Prefetch: 10})
	r.mustPublish(t, q, "1", "2", "3")
	msgs := receive(t, p, 3)
	settle(t, p, poller.Ack, msgs[1], msgs[2])
	if len(p.ops) != 0 {
		t.Fatalf("acks above outstanding tag 1 sent at once as %+v, want them held back", p.ops)
	}
	start := time.Now()
	if _, err := p.Poll(context.Background(), 20*maxHold, 10); err != nil {
		t.Fatal(err)
	}
	if len(p.ops) != 2 || p.ledger.kept != 0 {
		t.Fatalf("after a Poll past maxHold: sent %+v (%d still held), want the two held acks sent", p.ops, p.ledger.kept)
	}
	if took := time.Since(start); took < 20*maxHold {
		t.Errorf("Poll returned after %v, want it to wait out its timeout after sending", took)
	}
	settle(t, p, poller.Ack, msgs[0])
	expectNone(t, p)
}
