package rabbit

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/transport"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// testQueue declares a queue on the default exchange, deleted with the test.
func testQueue(t *testing.T, c *amqp091.Connection) string {
	q := unique("q")
	if _, err := rawChannel(t, c).QueueDeclare(q, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	deleteLater(t, c, []string{q}, nil)
	return q
}

// depth is how many messages q holds.
func depth(t *testing.T, c *amqp091.Connection, q string) int {
	t.Helper()
	ch := rawChannel(t, c)
	defer ch.Close()
	s, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s.Messages
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPublishConfirmed(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	r := openRabbit(t, brokerURL(t), fastOptions())
	err := r.Publish(context.Background(), transport.ReplyAddress(q), transport.Message{Body: []byte(`{"a":1}`), Mandatory: true, Expiration: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	d, ok, err := rawChannel(t, c).Get(q, true)
	if err != nil || !ok {
		t.Fatalf("got %v, %v; want the message in %s", ok, err, q)
	}
	if d.ContentType != "application/json" || d.DeliveryMode != amqp091.Persistent ||
		d.Expiration != "1500" || string(d.Body) != `{"a":1}` {
		t.Errorf("got content type %q, delivery mode %d, expiration %q, body %s; "+
			"want application/json, 2, 1500, {\"a\":1}", d.ContentType, d.DeliveryMode, d.Expiration, d.Body)
	}
}

// TestPublishUnroutable publishes mandatory messages nowhere: each fails
// with transport.ErrUnroutable naming where it went, and the connection stays good.
func TestPublishUnroutable(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	o := fastOptions()
	o.ConnPoolSize = 1 // every publish on the same channel
	r := openRabbit(t, brokerURL(t), o)
	ctx := context.Background()
	for range 2 {
		err := r.Publish(ctx, transport.ReplyAddress("reply_gone"), transport.Message{Body: []byte("{}"), Mandatory: true})
		if !errors.Is(err, transport.ErrUnroutable) || !strings.Contains(err.Error(), `"reply_gone"`) ||
			!strings.Contains(err.Error(), "default exchange") {
			t.Fatalf("got %v, want transport.ErrUnroutable naming the default exchange and reply_gone", err)
		}
		if err := r.Publish(ctx, transport.ReplyAddress(q), transport.Message{Body: []byte("{}"), Mandatory: true}); err != nil {
			t.Fatalf("publishing to %s after an unroutable message: %v", q, err)
		}
	}
	if err := r.Publish(ctx, transport.ReplyAddress("reply_gone"), transport.Message{Body: []byte("{}")}); err != nil {
		t.Errorf("not mandatory: got %v, want the broker to drop it quietly", err)
	}
}

// TestPublishRefused: a message the broker nacks (its queue is full and
// rejects publishes) fails after one attempt, even with retries forever:
// another attempt would only be refused again.
func TestPublishRefused(t *testing.T) {
	c := rawConn(t)
	q := unique("full")
	ch := rawChannel(t, c)
	if _, err := ch.QueueDeclare(q, false, false, false, false,
		amqp091.Table{"x-max-length": int32(1), "x-overflow": "reject-publish"}); err != nil {
		t.Fatal(err)
	}
	deleteLater(t, c, []string{q}, nil)
	o := fastOptions()
	o.PublishRetry = -1
	var retries *atomic.Int64
	o.Logger, retries = countLogs("rabbit: publish failed; retrying")
	r := openRabbit(t, brokerURL(t), o)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msg := transport.Message{Body: []byte("{}"), Mandatory: true}
	if err := r.Publish(ctx, transport.ReplyAddress(q), msg); err != nil {
		t.Fatalf("first message, into the empty queue: %v", err)
	}
	err := r.Publish(ctx, transport.ReplyAddress(q), msg)
	if !errors.Is(err, transport.ErrRefused) {
		t.Errorf("second message, into the full queue: got %v, want the broker's nack", err)
	}
	if n := retries.Load(); n != 0 {
		t.Errorf("retries: got %d, want 0", n)
	}
	if n := depth(t, c, q); n != 1 {
		t.Errorf("queue holds %d messages, want 1", n)
	}
}

func TestPublishNoExchange(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	r := openRabbit(t, brokerURL(t), fastOptions())
	x := unique("nox")
	err := r.Publish(context.Background(), transport.Address{Exchange: x, RoutingKey: "compute"}, transport.Message{Body: []byte("{}")})
	if !errors.Is(err, transport.ErrNoExchange) || !strings.Contains(err.Error(), x) {
		t.Fatalf("got %v, want transport.ErrNoExchange naming %s", err, x)
	}
	if err := r.Publish(context.Background(), transport.ReplyAddress(q), transport.Message{Body: []byte("{}")}); err != nil {
		t.Errorf("publishing after the closed channel: %v", err)
	}
}

func TestPublishExpiration(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	r := openRabbit(t, brokerURL(t), fastOptions())
	if err := r.Publish(context.Background(), transport.ReplyAddress(q), transport.Message{Body: []byte("{}"), Expiration: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the expired message leaves the queue", func() bool { return depth(t, c, q) == 0 })
}

// TestPublishThroughOutage cuts the connection and refuses new ones while
// a publish retries forever; once the broker is back it succeeds.
func TestPublishThroughOutage(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	p := brokertest.Proxy(t)
	o := fastOptions()
	log, retries := countLogs("rabbit: publish failed; retrying")
	o.Logger, o.PublishRetry = log, -1
	r := openRabbit(t, brokerURL(t, p.Addr()), o)
	ctx := context.Background()
	if err := r.Publish(ctx, transport.ReplyAddress(q), transport.Message{Body: []byte("{}"), Mandatory: true}); err != nil {
		t.Fatal(err)
	}
	p.Cut()
	p.Refuse()
	done := make(chan error, 1)
	go func() {
		done <- r.Publish(ctx, transport.ReplyAddress(q), transport.Message{Body: []byte("{}"), Mandatory: true})
	}()
	eventually(t, 5*time.Second, "the publish retries", func() bool { return retries.Load() >= 3 })
	p.Allow()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("publish after the outage: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("publish did not complete after the broker came back")
	}
	if n := depth(t, c, q); n != 2 {
		t.Errorf("queue holds %d messages, want 2", n)
	}
}

func TestPublishGivesUp(t *testing.T) {
	p1, p2 := brokertest.Proxy(t), brokertest.Proxy(t)
	p1.Refuse()
	p2.Refuse()
	u := brokerURL(t, p1.Addr(), p2.Addr())
	u.Hosts[0].Password, u.Hosts[1].Password = "s3cret", "s3cret"
	o := fastOptions()
	o.PublishRetry = 2
	r := openRabbit(t, u, o)
	err := r.Publish(context.Background(), transport.TopicAddress("", "compute", ""), transport.Message{Body: []byte("{}")})
	if err == nil {
		t.Fatal("got no error with every broker refusing")
	}
	for _, want := range []string{"openstack/compute", "after 3 attempts", p1.Addr(), p2.Addr()} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestPublishHonoursContext(t *testing.T) {
	p := brokertest.Proxy(t)
	p.Refuse()
	o := fastOptions()
	o.PublishRetry = -1
	r := openRabbit(t, brokerURL(t, p.Addr()), o)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := r.Publish(ctx, transport.ReplyAddress("reply_x"), transport.Message{Body: []byte("{}")})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), p.Addr()) {
		t.Errorf("got %v, want DeadlineExceeded with the host tried", err)
	}
}

// TestPublishDetectsSilentBroker: a broker that goes mute is given up
// within heartbeat_timeout_threshold, not waited on forever.
func TestPublishDetectsSilentBroker(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	p := brokertest.Proxy(t)
	o := fastOptions()
	o.Heartbeat, o.PublishRetry = 3*time.Second, 0
	r := openRabbit(t, brokerURL(t, p.Addr()), o)
	if err := r.Publish(context.Background(), transport.ReplyAddress(q), transport.Message{Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	p.Silence()
	start := time.Now()
	err := r.Publish(context.Background(), transport.ReplyAddress(q), transport.Message{Body: []byte("{}")})
	if err == nil {
		t.Fatal("got no error from a silent broker")
	}
	if took := time.Since(start); took > 4500*time.Millisecond {
		t.Errorf("gave up after %v, want within the 3 s threshold (plus slack)", took)
	}
}
