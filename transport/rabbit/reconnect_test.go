package rabbit

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/internal/syncbuf"
	"github.com/rpcexec/rpcexec/poller"
)

// fastRetry keeps reconnect tests short.
func fastRetry(int) time.Duration { return 20 * time.Millisecond }

// logs collects a Poller's log lines.
type logs struct{ syncbuf.Buffer }

func (l *logs) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *logs) mustContain(t *testing.T, texts ...string) {
	t.Helper()
	got := l.String()
	for _, s := range texts {
		if !strings.Contains(got, s) {
			t.Errorf("logs do not contain %q:\n%s", s, got)
		}
	}
}

// TestReconnectAfterCut: after the connection is cut, Poll reconnects by
// itself; what was unsettled comes back redelivered on the new generation
// with what was published meanwhile, and settling the old generation is
// skipped without error and without touching the new channel's tags.
func TestReconnectAfterCut(t *testing.T) {
	r := newRabbit(t)
	q := r.queue(t, nil)
	proxy := brokertest.Proxy(t)
	var log logs
	p := testPoller(t, dial(via(t, r.url, proxy.Addr()), 0), declareQueue(q, nil),
		consumeOptions{Prefetch: 10, RetryDelay: fastRetry, Logger: log.logger()})
	r.mustPublish(t, q, "a", "b", "c")
	old := receive(t, p, 3)

	proxy.Cut()
	r.mustPublish(t, q, "d")
	got := receive(t, p, 4)
	slices.SortFunc(got, func(x, y *poller.Message) int { return strings.Compare(string(x.Body), string(y.Body)) })
	for i, m := range got {
		// d may be redelivered too: the broker can hand it to the old
		// consumer before it sees the cut.
		if m.Generation <= old[0].Generation || i < 3 && !m.Redelivered {
			t.Errorf("after the cut got %q: Generation %d, Redelivered %v; want a generation after %d, redelivered",
				m.Body, m.Generation, m.Redelivered, old[0].Generation)
		}
	}
	if b := bodies(got); !slices.Equal(b, []string{"a", "b", "c", "d"}) {
		t.Fatalf("after the cut got %q, want a b c d", b)
	}

	settle(t, p, poller.Ack, old...) // the old channel's tags 1-3; the new one has tags 1-4
	if p.skipped != 3 {
		t.Errorf("skipped %d settlements, want 3", p.skipped)
	}
	settle(t, p, poller.Requeue, got...)
	again := receive(t, p, 4)
	settle(t, p, poller.Ack, again...)
	expectNone(t, p)
	log.mustContain(t, "rabbit: connection lost", "rabbit: reconnected", "skipped settlements")
}

// TestGiveUp: with the broker unreachable, Poll gives up after MaxRetries
// failed attempts with an error wrapping poller.ErrGaveUp and the last cause, and
// stays given up.
func TestGiveUp(t *testing.T) {
	r := newRabbit(t)
	q := r.queue(t, nil)
	proxy := brokertest.Proxy(t)
	var calls int
	var last error
	connect := dial(via(t, r.url, proxy.Addr()), 0)
	counting := func(ctx context.Context) (*link, error) {
		c, err := connect(ctx)
		calls++
		last = err
		return c, err
	}
	p := testPoller(t, counting, declareQueue(q, nil), consumeOptions{Prefetch: 1, RetryDelay: fastRetry, MaxRetries: 3})

	proxy.Refuse()
	proxy.Cut()
	var err error
	for deadline := time.Now().Add(patience); err == nil; {
		if time.Now().After(deadline) {
			t.Fatalf("Poll did not give up within %v (%d connection attempts)", patience, calls)
		}
		_, err = p.Poll(context.Background(), 200*time.Millisecond, 1)
	}
	if !errors.Is(err, poller.ErrGaveUp) || last == nil || !errors.Is(err, last) || !strings.Contains(err.Error(), "3 failed attempts") {
		t.Errorf("Poll = %v; want %v after 3 failed attempts, wrapping the last cause %v", err, poller.ErrGaveUp, last)
	}
	if calls != 4 {
		t.Errorf("%d connection attempts, want 1 + 3 retries", calls)
	}
	if _, err := p.Poll(context.Background(), 0, 1); !errors.Is(err, poller.ErrGaveUp) {
		t.Errorf("Poll again = %v, want %v", err, poller.ErrGaveUp)
	}
	if err := p.CheckHeartbeat(context.Background()); !errors.Is(err, poller.ErrGaveUp) {
		t.Errorf("CheckHeartbeat = %v, want %v", err, poller.ErrGaveUp)
	}
}

// TestConsumerCancelled: a queue deleted under the consumer ends its
// delivery channel; the Poller reconnects and the declarerFunc declares the
// queue again.
func TestConsumerCancelled(t *testing.T) {
	r := newRabbit(t)
	q := r.queue(t, nil)
	var log logs
	p := testPoller(t, dial(r.url, 0), declareQueue(q, nil), consumeOptions{Prefetch: 1, RetryDelay: fastRetry, Logger: log.logger()})
	ch, err := r.conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDelete(q, false, false, false); err != nil {
		t.Fatal(err)
	}
	ch.Close()
	for deadline := time.Now().Add(patience); p.gen < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("no new session within %v", patience)
		}
		if _, err := p.Poll(context.Background(), 200*time.Millisecond, 1); err != nil {
			t.Fatalf("Poll: %v", err)
		}
	}
	r.mustPublish(t, q, "after")
	if m := receive(t, p, 1)[0]; string(m.Body) != "after" || m.Generation != 2 {
		t.Errorf("got %q on generation %d, want after on 2", m.Body, m.Generation)
	}
	log.mustContain(t, "cancelled the consumer of queue")
}

// TestCloseStopsAttempt: Close does not wait for a connection attempt that
// hangs on a mute broker; it ends it.
func TestCloseStopsAttempt(t *testing.T) {
	r := newRabbit(t)
	q := r.queue(t, nil)
	proxy := brokertest.Proxy(t)
	p := testPoller(t, dial(via(t, r.url, proxy.Addr()), 0), declareQueue(q, nil), consumeOptions{Prefetch: 1, RetryDelay: fastRetry})
	proxy.Silence()
	proxy.Cut()
	for deadline := time.Now().Add(patience); p.retry.pending == nil; {
		if time.Now().After(deadline) {
			t.Fatalf("no connection attempt started within %v", patience)
		}
		if _, err := p.Poll(context.Background(), 100*time.Millisecond, 1); err != nil {
			t.Fatalf("Poll: %v", err)
		}
	}
	start := time.Now()
	if err := p.Close(context.Background()); err != nil {
		t.Errorf("Close = %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Close took %v with an attempt hanging, want < 1s", took)
	}
}
