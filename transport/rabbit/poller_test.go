package rabbit

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/poller/pollertest"
	"github.com/rpcexec/rpcexec/transport"
)

// The tests need RabbitMQ (brokertest.URL skips them without it, saying how
// to start it). Every queue has a unique name and is deleted when its test
// ends.

// patience bounds waits for what should happen; quiet is how long nothing
// must arrive to show that nothing is coming.
const (
	patience = 10 * time.Second
	quiet    = 200 * time.Millisecond
)

// TestContract runs the poller contract against the broker.
func TestContract(t *testing.T) {
	r := newRabbit(t)
	pollertest.Run(t, pollertest.Harness{
		Open: func(t *testing.T, queue string, prefetch int) poller.Poller {
			if prefetch == 0 {
				prefetch = math.MaxUint16 // the contract's "unbounded"
			}
			r.deleteLater(t, queue)
			return testPoller(t, dial(r.url, 0), declareQueue(queue, nil), consumeOptions{Prefetch: prefetch})
		},
		Publish: func(t *testing.T, queue string, body []byte) error { return r.publish(queue, body) },
	})
}

// rabbit is a test's own connection to the broker, for declaring, publishing
// and cleaning up beside the Poller under test.
type rabbit struct {
	url  string
	conn *amqp091.Connection
	mu   sync.Mutex // guards ch: publishers run on several goroutines
	ch   *amqp091.Channel
}

func newRabbit(t testing.TB) *rabbit {
	t.Helper()
	r := &rabbit{url: brokertest.URL(t)}
	var err error
	if r.conn, err = amqp091.Dial(r.url); err != nil {
		t.Fatalf("dial %s: %v", r.url, err)
	}
	t.Cleanup(func() { r.conn.Close() })
	if r.ch, err = r.conn.Channel(); err != nil {
		t.Fatal(err)
	}
	return r
}

// queue declares a uniquely named queue that is deleted when t ends.
func (r *rabbit) queue(t testing.TB, args amqp091.Table) string {
	t.Helper()
	name := fmt.Sprintf("amqptest.%s.%016x", strings.ReplaceAll(t.Name(), "/", "."), rand.Uint64())
	r.deleteLater(t, name)
	ch, err := r.conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	if _, err := ch.QueueDeclare(name, args["x-queue-type"] == "quorum", false, false, false, args); err != nil {
		t.Fatalf("declare %s: %v", name, err)
	}
	return name
}

// deleteLater deletes queue when t ends, on a channel of its own so that
// an error cannot break the shared one.
func (r *rabbit) deleteLater(t testing.TB, queue string) {
	t.Cleanup(func() {
		if ch, err := r.conn.Channel(); err == nil {
			ch.QueueDelete(queue, false, false, false)
			ch.Close()
		}
	})
}

func (r *rabbit) publish(queue string, body []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ch.Publish("", queue, false, false, amqp091.Publishing{Body: body, ContentType: "text/plain"})
}

func (r *rabbit) mustPublish(t testing.TB, queue string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		if err := r.publish(queue, []byte(b)); err != nil {
			t.Fatalf("publish %q to %s: %v", b, queue, err)
		}
	}
}

// declareQueue is a declarerFunc for queue, declaring it with args
// (durable for a quorum queue, which must be).
func declareQueue(queue string, args amqp091.Table) declarerFunc {
	return func(ch *amqp091.Channel) ([]string, error) {
		_, err := ch.QueueDeclare(queue, args["x-queue-type"] == "quorum", false, false, false, args)
		return []string{queue}, err
	}
}

// dial is the transport's own connector for rawURL, with heartbeat
// threshold hb (the interval asked of the broker; 0: none).
func dial(rawURL string, hb time.Duration) connector {
	u, err := transport.ParseURL(rawURL)
	if err != nil {
		panic(err) // a test's own constant
	}
	o := DefaultOptions()
	o.Heartbeat = hb
	return newDialer(u, o, nil, "test").connector()
}

// via returns rawURL with its host replaced by addr.
func via(t testing.TB, rawURL, addr string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = addr
	return u.String()
}

// newPoller returns a Poller that t closes when it ends. It logs to t
// unless o has a Logger.
func testPoller(t testing.TB, c connector, d declarerFunc, o consumeOptions) *Poller {
	t.Helper()
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p, err := startPoller(t.Context(), c, d, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// receive polls until n messages arrived, failing t after patience.
func receive(t testing.TB, p *Poller, n int) []*poller.Message {
	t.Helper()
	var got []*poller.Message
	deadline := time.Now().Add(patience)
	for len(got) < n {
		if time.Now().After(deadline) {
			t.Fatalf("received %q within %v, want %d messages", bodies(got), patience, n)
		}
		batch, err := p.Poll(context.Background(), 200*time.Millisecond, n-len(got))
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		got = append(got, batch...)
	}
	return got
}

// expectNone checks that nothing arrives for a while.
func expectNone(t testing.TB, p *Poller) {
	t.Helper()
	if batch, err := p.Poll(context.Background(), quiet, 10); err != nil || len(batch) != 0 {
		t.Fatalf("Poll = %q, %v; want nothing", bodies(batch), err)
	}
}

func settle(t testing.TB, p *Poller, o poller.Outcome, msgs ...*poller.Message) {
	t.Helper()
	batch := make([]poller.Settlement, len(msgs))
	for i, m := range msgs {
		batch[i] = poller.Settlement{Msg: m, Outcome: o}
	}
	if err := p.Settle(context.Background(), batch); err != nil {
		t.Fatalf("Settle(%v) = %v", o, err)
	}
}

func bodies(msgs []*poller.Message) []string {
	s := make([]string, len(msgs))
	for i, m := range msgs {
		s[i] = string(m.Body)
	}
	return s
}
