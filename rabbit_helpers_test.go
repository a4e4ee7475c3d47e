package rpcexec_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rabbitmq/amqp091-go"
	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/internal/brokertest"
)

// rabbitURL is the test broker's URL as rabbit://, with its host replaced
// by hostport when one is given (a fault proxy), keeping the credentials
// and vhost.
func rabbitURL(t *testing.T, hostport string) string {
	t.Helper()
	u, err := url.Parse(brokertest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Scheme = "rabbit"
	if hostport != "" {
		u.Host = hostport
	}
	return u.String()
}

// brokerConfig is a configuration on the test broker at url with the given
// executor, logging into logs.
func brokerConfig(url, executorName string, logs *logRecorder) rpcexec.Config {
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = url
	cfg.Executor = executorName
	cfg.Logger = slog.New(logs)
	return cfg
}

// startBrokerServer starts server name on topic; it is stopped gracefully
// when the test ends unless the test stopped it already.
func startBrokerServer(t *testing.T, cfg rpcexec.Config, topic, name string, eps ...*dispatch.Endpoint) *rpcexec.Server {
	t.Helper()
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: topic, Server: name}, dispatch.New(eps...))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		t.Fatalf("starting server %s: %v", name, err)
	}
	t.Cleanup(func() { stopServer(t, srv) })
	return srv
}

// stopServer stops srv gracefully, failing the test if that takes over 30 s.
func stopServer(t *testing.T, srv *rpcexec.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

// newBrokerClient is a client of topic, closed when the test ends.
func newBrokerClient(t *testing.T, cfg rpcexec.Config, topic string) *rpcexec.Client {
	t.Helper()
	c, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("closing the client: %v", err)
		}
	})
	return c
}

// castIDs casts method with ids 0..n-1 from 8 goroutines; each cast
// returns once the broker has confirmed it.
func castIDs(t *testing.T, c *rpcexec.Client, method string, n int) {
	t.Helper()
	const senders = 8
	var wg sync.WaitGroup
	var failed atomic.Bool
	for s := range senders {
		wg.Go(func() {
			for i := s; i < n && !failed.Load(); i += senders {
				if err := c.Cast(context.Background(), method, idArgs{ID: i}); err != nil {
					t.Errorf("cast %d: %v", i, err)
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		t.FailNow()
	}
}

// awaitAll waits until every id of seen has been handled at least once.
func awaitAll(t *testing.T, seen *tally, within time.Duration) {
	t.Helper()
	select {
	case <-seen.all:
	case <-time.After(within):
		seen.mu.Lock()
		got := len(seen.counts)
		seen.mu.Unlock()
		t.Fatalf("casts handled: got %d distinct ids within %s, want %d", got, within, seen.want)
	}
}

// await waits for ch to close, failing the test after within.
func await(t *testing.T, ch <-chan struct{}, within time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(within):
		t.Fatalf("%s: not within %s", what, within)
	}
}

// queueDepth is the number of ready messages in queue and of its
// consumers, read with a passive declare on ch.
func queueDepth(t *testing.T, ch *amqp091.Channel, queue string) (ready, consumers int) {
	t.Helper()
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		t.Fatalf("passive declare of %s: %v", queue, err)
	}
	return q.Messages, q.Consumers
}

// awaitDepth reads queue's depth until it holds want ready messages and no
// consumer, or within has passed, and returns the last reading. The broker
// requeues what a closed channel held, and drops its consumers, as it
// notices the close: a moment after the close returned.
func awaitDepth(t *testing.T, queue string, want int, within time.Duration) (ready, consumers int) {
	t.Helper()
	ch := brokertest.Channel(t)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(within)
	for {
		if ready, consumers = queueDepth(t, ch, queue); ready == want && consumers == 0 {
			return ready, consumers
		}
		select {
		case <-tick.C:
		case <-deadline:
			return ready, consumers
		}
	}
}

// logRecorder is a slog.Handler that keeps every record in memory, counts
// and signals records by message text, and prints them when the test
// fails. Safe for concurrent use.
type logRecorder struct {
	*logStore
	attrs []slog.Attr
}

type logStore struct {
	mu      sync.Mutex
	lines   []string
	watches []logWatch
}

type logWatch struct {
	substr string
	ch     chan struct{}
}

// newLogRecorder returns a recorder that prints its last lines when t fails.
// Call it before starting anything that logs into it.
func newLogRecorder(t *testing.T) *logRecorder {
	r := &logRecorder{logStore: &logStore{}}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		lines := r.lines
		if len(lines) > 200 {
			t.Logf("log: (%d earlier lines not shown)", len(lines)-200)
			lines = lines[len(lines)-200:]
		}
		for _, l := range lines {
			t.Log("log: " + l)
		}
	})
	return r
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", rec.Time.Format("15:04:05.000"), rec.Level, rec.Message)
	for _, a := range r.attrs {
		fmt.Fprintf(&b, " %s", a)
	}
	rec.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s", a)
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, b.String())
	kept := r.watches[:0]
	for _, w := range r.watches {
		if strings.Contains(rec.Message, w.substr) {
			close(w.ch)
			continue
		}
		kept = append(kept, w)
	}
	r.watches = kept
	return nil
}

func (r *logRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logRecorder{logStore: r.logStore, attrs: append(append([]slog.Attr(nil), r.attrs...), attrs...)}
}

func (r *logRecorder) WithGroup(string) slog.Handler { return r }

// signal returns a channel closed at the first record logged from now on
// whose message contains substr.
func (r *logRecorder) signal(substr string) <-chan struct{} {
	ch := make(chan struct{})
	r.mu.Lock()
	r.watches = append(r.watches, logWatch{substr: substr, ch: ch})
	r.mu.Unlock()
	return ch
}

// count is how many records so far have a line (message and attributes)
// containing substr.
func (r *logRecorder) count(substr string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, l := range r.lines {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}

// mark is how many records have been logged so far, for since.
func (r *logRecorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.lines)
}

// since returns the lines logged after mark returned n, at level or above
// (their level is the line's second word).
func (r *logRecorder) since(n int, level slog.Level) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, l := range r.lines[n:] {
		var lv slog.Level
		if f := strings.Fields(l); len(f) > 1 && lv.UnmarshalText([]byte(f[1])) == nil && lv >= level {
			out = append(out, l)
		}
	}
	return out
}
