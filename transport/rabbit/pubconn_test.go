package rabbit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/transport"
)

// outcomes collects what waiters were resolved with, by tag.
type outcomes struct {
	mu  sync.Mutex
	got map[uint64][]error
}

func (o *outcomes) waiter(tag uint64) *waiter {
	return &waiter{tag: tag, done: func(err error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.got == nil {
			o.got = map[uint64][]error{}
		}
		o.got[tag] = append(o.got[tag], err)
	}}
}

// pending makes a connection with waiters outstanding for tags from..to,
// as publish would leave them, without a broker.
func pendingConn(o *outcomes, from, to uint64) *pubConn {
	c := &pubConn{host: transport.Host{Hostname: "broker", Port: 5672}}
	for tag := from; tag <= to; tag++ {
		c.pending = append(c.pending, o.waiter(tag))
		c.load++
	}
	return c
}

func ret(tag uint64, key string) amqp091.Return {
	return amqp091.Return{MessageId: strconv.FormatUint(tag, 10), RoutingKey: key, ReplyText: "NO_ROUTE"}
}

// TestDispatchAttribution: returns arriving in any order, before their
// confirms, go to the messages whose tags they carry, and each message is
// resolved once, in tag order, with its own outcome.
func TestDispatchAttribution(t *testing.T) {
	var o outcomes
	c := pendingConn(&o, 1, 6)
	for _, tag := range []uint64{5, 2} { // 2 and 5 came back; 5's return before 2's
		c.returned(ret(tag, "key-"+strconv.FormatUint(tag, 10)))
	}
	c.returned(amqp091.Return{MessageId: "not ours"})
	c.returned(ret(99, "never sent"))
	for tag := uint64(1); tag <= 6; tag++ {
		if !c.confirmed(amqp091.Confirmation{DeliveryTag: tag, Ack: tag != 4}) {
			t.Fatalf("confirm %d refused", tag)
		}
	}
	for tag := uint64(1); tag <= 6; tag++ {
		errs := o.got[tag]
		if len(errs) != 1 {
			t.Fatalf("tag %d resolved %d times, want once", tag, len(errs))
		}
		err := errs[0]
		switch tag {
		case 2, 5:
			if !errors.Is(err, transport.ErrUnroutable) || !strings.Contains(err.Error(), fmt.Sprintf(`"key-%d"`, tag)) {
				t.Errorf("tag %d: got %v, want ErrUnroutable naming its own routing key", tag, err)
			}
		case 4:
			if !errors.Is(err, errNack) {
				t.Errorf("tag 4: got %v, want the nack", err)
			}
		default:
			if err != nil {
				t.Errorf("tag %d: got %v, want nil", tag, err)
			}
		}
	}
	if c.load != 0 || c.head != len(c.pending) {
		t.Errorf("load %d, %d outstanding; want none", c.load, len(c.pending)-c.head)
	}
}

// TestDispatchRefusesStrangers: a confirm that is not for the oldest
// outstanding message (amqp091 dropped one) is refused, so the connection
// is dropped rather than misattribute it.
func TestDispatchRefusesStrangers(t *testing.T) {
	var o outcomes
	c := pendingConn(&o, 7, 8)
	if c.confirmed(amqp091.Confirmation{DeliveryTag: 8, Ack: true}) {
		t.Error("a confirm for tag 8 with 7 outstanding was taken")
	}
	if c.confirmed(amqp091.Confirmation{DeliveryTag: 1, Ack: true}) {
		t.Error("a confirm for a tag never sent was taken")
	}
	if len(o.got) != 0 || c.load != 2 {
		t.Errorf("resolved %v, load %d; want nothing resolved", o.got, c.load)
	}
}

// TestDispatchFailsAll: a lost channel fails every outstanding message
// once, frees their slots, and fails every later publish.
func TestDispatchFailsAll(t *testing.T) {
	var o outcomes
	c := pendingConn(&o, 1, 5)
	c.confirmed(amqp091.Confirmation{DeliveryTag: 1, Ack: true})
	c.fail(&amqp091.Error{Code: amqp091.NotFound, Reason: "NOT_FOUND - no exchange 'x'", Server: true, Recover: true})
	for tag := uint64(2); tag <= 5; tag++ {
		var lost *lostError
		if errs := o.got[tag]; len(errs) != 1 || !errors.As(errs[0], &lost) || !lost.soft() {
			t.Errorf("tag %d: got %v, want one soft *lostError", tag, errs)
		}
	}
	if c.load != 0 {
		t.Errorf("load %d after the loss, want 0", c.load)
	}
	c.load++ // a slot reserved before the loss was seen
	if err := c.publish(transport.ReplyAddress("q"), true, amqp091.Publishing{}, o.waiter(0)); err == nil || c.load != 0 {
		t.Errorf("publish after the loss: %v, load %d; want the loss, and the slot freed", err, c.load)
	}
}

// TestDispatchCompacts: a connection that is never empty keeps finding
// its waiters as the oldest are resolved and reclaimed.
func TestDispatchCompacts(t *testing.T) {
	var o outcomes
	c := pendingConn(&o, 1, 1)
	next := uint64(2)
	for tag := uint64(1); tag <= 10*compactAfter; tag++ {
		c.pending = append(c.pending, o.waiter(next)) // one more outstanding before each confirm
		c.load++
		next++
		if tag%7 == 0 {
			c.returned(ret(tag+1, "k"))
		}
		if !c.confirmed(amqp091.Confirmation{DeliveryTag: tag, Ack: true}) {
			t.Fatalf("confirm %d refused", tag)
		}
	}
	if n := len(c.pending) - c.head; n != 1 || cap(c.pending) > 4*compactAfter {
		t.Errorf("%d outstanding in a slice of capacity %d, want 1 in a bounded slice", n, cap(c.pending))
	}
	for tag, errs := range o.got {
		if want := tag > 1 && (tag-1)%7 == 0; (errs[0] != nil) != want {
			t.Errorf("tag %d: got %v, want unroutable %v", tag, errs[0], want)
		}
	}
}

// TestPublishAttributesReturnsConcurrently: many publishers share one
// channel, half of them to queues that do not exist; each gets its own
// outcome, naming its own routing key.
func TestPublishAttributesReturnsConcurrently(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	o := fastOptions()
	o.ConnPoolSize, o.PublishRetry = 1, 0
	r := openRabbit(t, brokerURL(t), o)
	const n = 400
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			to := transport.ReplyAddress(q)
			if i%2 == 1 {
				to = transport.ReplyAddress(fmt.Sprintf("rpcexec-test-missing-%d", i))
			}
			errs[i] = r.Publish(context.Background(), to, transport.Message{Body: []byte("{}"), Mandatory: true})
		})
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case i%2 == 0 && err != nil:
			t.Errorf("publish %d to %s: %v", i, q, err)
		case i%2 == 1 && (!errors.Is(err, transport.ErrUnroutable) ||
			!strings.Contains(err.Error(), fmt.Sprintf(`"rpcexec-test-missing-%d"`, i))):
			t.Errorf("publish %d to a missing queue: got %v, want ErrUnroutable naming its own queue", i, err)
		}
	}
	if got := depth(t, c, q); got != n/2 {
		t.Errorf("queue holds %d messages, want %d", got, n/2)
	}
	if conns := len(r.pool.conns); conns != 1 {
		t.Errorf("%d publishing connections, want 1", conns)
	}
}

// onlyConn is the pool's one connection.
func onlyConn(t *testing.T, r *Rabbit) *pubConn {
	t.Helper()
	r.pool.mu.Lock()
	defer r.pool.mu.Unlock()
	if len(r.pool.conns) != 1 {
		t.Fatalf("%d publishing connections, want 1", len(r.pool.conns))
	}
	return r.pool.conns[0]
}

func load(c *pubConn) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.load
}

// TestConfirmAfterCancel: a publish whose context ends before the broker
// confirms returns at once; its slot stays taken until the confirm comes,
// and is freed then, once; the connection goes on.
func TestConfirmAfterCancel(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	p := brokertest.Proxy(t)
	o := fastOptions()
	o.ConnPoolSize, o.PublishRetry, o.Heartbeat = 1, 0, time.Minute
	r := openRabbit(t, brokerURL(t, p.Addr()), o)
	msg := transport.Message{Body: []byte("{}"), Mandatory: true}
	if err := r.Publish(context.Background(), transport.ReplyAddress(q), msg); err != nil {
		t.Fatal(err)
	}
	conn := onlyConn(t, r)
	p.Silence()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := r.Publish(ctx, transport.ReplyAddress(q), msg); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("publish to a silent broker: got %v, want DeadlineExceeded", err)
	}
	if n := load(conn); n != 1 {
		t.Fatalf("load %d after the abandoned publish, want 1: its slot is held until the broker answers", n)
	}
	p.Resume()
	eventually(t, 10*time.Second, "the late confirm frees the slot", func() bool { return load(conn) == 0 })
	if err := r.Publish(context.Background(), transport.ReplyAddress(q), msg); err != nil {
		t.Fatalf("publishing after the late confirm: %v", err)
	}
	if n := load(conn); n != 0 {
		t.Errorf("load %d, want 0: a slot was freed twice or not at all", n)
	}
	if got := depth(t, c, q); got != 3 {
		t.Errorf("queue holds %d messages, want 3 (the abandoned one arrived too)", got)
	}
	if onlyConn(t, r) != conn {
		t.Error("the connection was replaced")
	}
}

// TestChannelLossFailsOutstanding: when the connection goes, every publish
// outstanding on it fails at once, and the next publish opens another.
func TestChannelLossFailsOutstanding(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	p := brokertest.Proxy(t)
	o := fastOptions()
	o.ConnPoolSize, o.PublishRetry, o.Heartbeat = 1, 0, time.Minute
	r := openRabbit(t, brokerURL(t, p.Addr()), o)
	msg := transport.Message{Body: []byte("{}"), Mandatory: true}
	if err := r.Publish(context.Background(), transport.ReplyAddress(q), msg); err != nil {
		t.Fatal(err)
	}
	conn := onlyConn(t, r)
	p.Silence()
	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() { errs <- r.Publish(context.Background(), transport.ReplyAddress(q), msg) }()
	}
	eventually(t, 10*time.Second, "every publish outstanding", func() bool { return load(conn) == n })
	p.Cut()
	timeout := time.After(10 * time.Second)
	for range n {
		select {
		case err := <-errs:
			var lost *lostError
			if !errors.As(err, &lost) || lost.soft() {
				t.Errorf("got %v, want the connection's loss", err)
			}
		case <-timeout:
			t.Fatal("outstanding publishes still waiting after the connection was cut")
		}
	}
	if n := load(conn); n != 0 {
		t.Errorf("load %d on the lost connection, want 0", n)
	}
	p.Resume()
	if err := r.Publish(context.Background(), transport.ReplyAddress(q), msg); err != nil {
		t.Fatalf("publishing after the loss: %v", err)
	}
	if onlyConn(t, r) == conn {
		t.Error("still on the lost connection")
	}
}

// TestSoftCloseResends: an exchange deleted after it was checked closes
// the shared channel under other messages; they are sent again and
// arrive, and the one at fault fails with ErrNoExchange.
func TestSoftCloseResends(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	o := fastOptions()
	o.ConnPoolSize, o.PublishRetry = 1, 0
	r := openRabbit(t, brokerURL(t), o)
	gone := unique("gone")
	r.pool.exchanges.add(gone) // as if it had existed when first used
	const n = 100
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			to := transport.ReplyAddress(q)
			if i == n/2 {
				to = transport.Address{Exchange: gone, RoutingKey: "k"}
			}
			errs[i] = r.Publish(context.Background(), to, transport.Message{Body: []byte("{}"), Mandatory: true})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i == n/2 {
			if !errors.Is(err, transport.ErrNoExchange) || !strings.Contains(err.Error(), gone) {
				t.Errorf("publish to the missing exchange: got %v, want ErrNoExchange naming it", err)
			}
		} else if err != nil {
			t.Errorf("publish %d: %v", i, err)
		}
	}
	// A message routed before the channel closed and resent may arrive twice.
	if got := depth(t, c, q); got < n-1 || got > 2*(n-1) {
		t.Errorf("queue holds %d messages, want %d (up to %d with copies)", got, n-1, 2*(n-1))
	}
}

// TestCloseFailsOutstanding: Close fails what is outstanding with
// ErrClosed and returns; nothing keeps running (goleak checks).
func TestCloseFailsOutstanding(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	p := brokertest.Proxy(t)
	o := fastOptions()
	o.ConnPoolSize, o.Heartbeat = 1, time.Minute
	r := openRabbit(t, brokerURL(t, p.Addr()), o)
	msg := transport.Message{Body: []byte("{}"), Mandatory: true}
	if err := r.Publish(context.Background(), transport.ReplyAddress(q), msg); err != nil {
		t.Fatal(err)
	}
	conn := onlyConn(t, r)
	p.Silence()
	const n = 10
	errs := make(chan error, n)
	for range n {
		go func() { errs <- r.Publish(context.Background(), transport.ReplyAddress(q), msg) }()
	}
	eventually(t, 10*time.Second, "every publish outstanding", func() bool { return load(conn) == n })
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-errs; !errors.Is(err, transport.ErrClosed) {
			t.Errorf("got %v, want ErrClosed", err)
		}
	}
}

// TestWindowFull: publishers beyond a connection's window, with no room
// for another connection, wait for slots and are woken as they free.
func TestWindowFull(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	o := fastOptions()
	o.ConnPoolSize = 1
	r := openRabbit(t, brokerURL(t), o)
	r.pool.window = 2
	const n = 200
	errs := make(chan error, n)
	for range n {
		go func() {
			errs <- r.Publish(context.Background(), transport.ReplyAddress(q), transport.Message{Body: []byte("{}"), Mandatory: true})
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := depth(t, c, q); got != n {
		t.Errorf("queue holds %d messages, want %d", got, n)
	}
	if n := load(onlyConn(t, r)); n != 0 || r.pool.starved.Load() != 0 {
		t.Errorf("load %d, starved %d; want 0, 0", n, r.pool.starved.Load())
	}
}
