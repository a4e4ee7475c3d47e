package pollertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/poller"
)

// promptly bounds how long Poll may take to notice a done context.
const promptly = 100 * time.Millisecond

// testPollTimeout: with nothing to take, Poll waits out its timeout and
// returns an empty batch and no error.
func testPollTimeout(t *testing.T, h Harness) {
	p := h.Open(t, queueName(t), 10)
	defer closePoller(t, p)
	const timeout = 100 * time.Millisecond
	start := time.Now()
	batch, err := p.Poll(t.Context(), timeout, 10)
	elapsed := time.Since(start)
	if err != nil || len(batch) != 0 {
		t.Fatalf("Poll = %q, %v; want no messages, nil", bodies(batch), err)
	}
	if elapsed < timeout || elapsed > timeout+500*time.Millisecond {
		t.Errorf("Poll(timeout=%v) returned after %v, want about the timeout", timeout, elapsed)
	}
}

// testCancelWhileWaiting: a stop must not wait for the poll timeout.
func testCancelWhileWaiting(t *testing.T, h Harness) {
	p := h.Open(t, queueName(t), 10)
	defer closePoller(t, p)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cancelledAt := make(chan time.Time, 1)
	timer := time.AfterFunc(50*time.Millisecond, func() {
		cancelledAt <- time.Now()
		cancel()
	})
	defer timer.Stop()
	batch, err := p.Poll(ctx, time.Second, 10)
	returned := time.Now()
	if !errors.Is(err, context.Canceled) || len(batch) != 0 {
		t.Fatalf("Poll = %q, %v; want no messages, context.Canceled", bodies(batch), err)
	}
	if lag := returned.Sub(<-cancelledAt); lag > promptly {
		t.Errorf("Poll returned %v after the cancel, want < %v", lag, promptly)
	}
}

// testDoneContext: Poll with a context already done returns at once, and a
// message it does not return is still there for the next Poll.
func testDoneContext(t *testing.T, h Harness) {
	q := queueName(t)
	p := h.Open(t, q, 10)
	defer closePoller(t, p)
	publish(t, h, q, "kept")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	batch, err := p.Poll(ctx, time.Second, 10)
	if elapsed := time.Since(start); elapsed > promptly {
		t.Errorf("Poll with a done context took %v, want < %v", elapsed, promptly)
	}
	switch {
	case err == nil && len(batch) == 1:
	case errors.Is(err, context.Canceled) && len(batch) == 0:
		batch = receive(t, p, 1, 10)
	default:
		t.Fatalf("Poll = %q, %v; want [kept], nil or none, context.Canceled", bodies(batch), err)
	}
	if got := string(batch[0].Body); got != "kept" {
		t.Errorf("got body %q, want %q", got, "kept")
	}
	settle(t, p, poller.Ack, batch...)
}

// testArrivalWakes: a Poll waiting with a long timeout returns soon after a
// message is published. The publish is delayed so that the Poll is likely
// waiting by then; the test is sound either way.
func testArrivalWakes(t *testing.T, h Harness) {
	q := queueName(t)
	p := h.Open(t, q, 10)
	defer closePoller(t, p)
	published := make(chan error, 1)
	timer := time.AfterFunc(50*time.Millisecond, func() { published <- h.Publish(t, q, []byte("wake")) })
	defer timer.Stop()
	start := time.Now()
	batch, err := p.Poll(t.Context(), patience, 10)
	if elapsed := time.Since(start); err != nil || len(batch) != 1 || elapsed > time.Second {
		t.Fatalf("Poll = %q, %v after %v; want [wake], nil within 1s", bodies(batch), err, elapsed)
	}
	if err := <-published; err != nil {
		t.Fatalf("Publish: %v", err)
	}
	settle(t, p, poller.Ack, batch...)
}
