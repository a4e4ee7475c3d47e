package pollertest

import (
	"errors"
	"slices"
	"testing"

	"github.com/rpcexec/rpcexec/poller"
)

// testMax: no batch is larger than max.
func testMax(t *testing.T, h Harness) {
	q := queueName(t)
	p := h.Open(t, q, 0)
	defer closePoller(t, p)
	publish(t, h, q, numbered(10)...)
	got := receive(t, p, 10, 3) // receive fails on a batch over 3
	settle(t, p, poller.Ack, got...)
}

// testPrefetch: a Poller never holds more than prefetch unsettled messages,
// and each settlement makes room for one more.
func testPrefetch(t *testing.T, h Harness) {
	q := queueName(t)
	p := h.Open(t, q, 3)
	defer closePoller(t, p)
	publish(t, h, q, numbered(6)...)
	first := receive(t, p, 3, 10)
	expectNone(t, p)
	settle(t, p, poller.Ack, first[0])
	second := receive(t, p, 1, 10)
	expectNone(t, p)
	settle(t, p, poller.Ack, append(first[1:], second...)...)
	rest := receive(t, p, 2, 10)
	settle(t, p, poller.Ack, rest...)
	all := slices.Concat(first, second, rest)
	if got, want := bodies(all), numbered(6); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// testFIFO: one queue delivers in publish order, and fills in the message.
func testFIFO(t *testing.T, h Harness) {
	q := queueName(t)
	p := h.Open(t, q, 0)
	defer closePoller(t, p)
	publish(t, h, q, numbered(20)...)
	got := receive(t, p, 20, 7)
	if b, want := bodies(got), numbered(20); !slices.Equal(b, want) {
		t.Errorf("got %q, want %q", b, want)
	}
	for _, m := range got {
		if m.Queue != q || m.Redelivered || m.Deliveries > 1 || m.Received.IsZero() {
			t.Errorf("message %q: Queue %q, Redelivered %v, Deliveries %d, Received %v; want %q, false, 0 or 1, set",
				m.Body, m.Queue, m.Redelivered, m.Deliveries, m.Received, q)
		}
	}
	settle(t, p, poller.Ack, got...)
}

// testAck: an acked message is gone, also for the next consumer.
func testAck(t *testing.T, h Harness) {
	q := queueName(t)
	p := h.Open(t, q, 10)
	publish(t, h, q, numbered(3)...)
	settle(t, p, poller.Ack, receive(t, p, 3, 10)...)
	expectNone(t, p)
	closePoller(t, p)
	p = h.Open(t, q, 10)
	defer closePoller(t, p)
	expectNone(t, p)
}

// testRequeue: a requeued message comes again, marked redelivered.
func testRequeue(t *testing.T, h Harness) {
	q := queueName(t)
	p := h.Open(t, q, 10)
	defer closePoller(t, p)
	publish(t, h, q, "again")
	m := receive(t, p, 1, 10)[0]
	if m.Redelivered || m.Deliveries > 1 {
		t.Errorf("first delivery: Redelivered %v, Deliveries %d; want false, 0 or 1", m.Redelivered, m.Deliveries)
	}
	settle(t, p, poller.Requeue, m)
	m = receive(t, p, 1, 10)[0]
	if string(m.Body) != "again" || !m.Redelivered || (m.Deliveries != 0 && m.Deliveries != 2) {
		t.Errorf("second delivery: %q, Redelivered %v, Deliveries %d; want %q, true, 0 or 2",
			m.Body, m.Redelivered, m.Deliveries, "again")
	}
	settle(t, p, poller.Ack, m)
	expectNone(t, p)
}

// testReject: a rejected message is gone, also for the next consumer.
func testReject(t *testing.T, h Harness) {
	q := queueName(t)
	p := h.Open(t, q, 10)
	publish(t, h, q, "bad")
	settle(t, p, poller.Reject, receive(t, p, 1, 10)...)
	expectNone(t, p)
	closePoller(t, p)
	p = h.Open(t, q, 10)
	defer closePoller(t, p)
	expectNone(t, p)
}

// testCloseReturns: what a Poller held unsettled goes to the next consumer,
// marked redelivered; what it acked does not.
func testCloseReturns(t *testing.T, h Harness) {
	q := queueName(t)
	p := h.Open(t, q, 10)
	publish(t, h, q, "a", "b", "c")
	got := receive(t, p, 3, 10)
	settle(t, p, poller.Ack, got[0])
	closePoller(t, p)
	p = h.Open(t, q, 10)
	defer closePoller(t, p)
	again := receive(t, p, 2, 10)
	b := bodies(again)
	slices.Sort(b)
	if want := []string{"b", "c"}; !slices.Equal(b, want) {
		t.Errorf("after Close, got %q, want %q", b, want)
	}
	for _, m := range again {
		if !m.Redelivered {
			t.Errorf("message %q: Redelivered false, want true", m.Body)
		}
	}
	settle(t, p, poller.Ack, again...)
	expectNone(t, p)
}

// testUseAfterClose: a closed Poller refuses work and settles nothing, and
// closing again is harmless.
func testUseAfterClose(t *testing.T, h Harness) {
	q := queueName(t)
	p := h.Open(t, q, 10)
	publish(t, h, q, "held")
	held := receive(t, p, 1, 10)
	closePoller(t, p)
	closePoller(t, p)
	if batch, err := p.Poll(t.Context(), 0, 10); !errors.Is(err, poller.ErrClosed) || len(batch) != 0 {
		t.Errorf("Poll after Close = %q, %v; want none, %v", bodies(batch), err, poller.ErrClosed)
	}
	err := p.Settle(t.Context(), []poller.Settlement{{Msg: held[0], Outcome: poller.Ack}})
	if !errors.Is(err, poller.ErrClosed) {
		t.Errorf("Settle after Close = %v, want %v", err, poller.ErrClosed)
	}
	p = h.Open(t, q, 10)
	defer closePoller(t, p)
	settle(t, p, poller.Ack, receive(t, p, 1, 10)...) // the Settle above acked nothing
}
