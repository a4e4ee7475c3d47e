package memory

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/poller"
)

func publishTo(t *testing.T, b *Bus, queue string, bodies ...string) {
	t.Helper()
	for _, s := range bodies {
		mustDo(t, "Publish "+s, b.Publish(t.Context(), "", queue, Publishing{Body: []byte(s), Mandatory: true}))
	}
}

func bodiesOf(msgs []*poller.Message) []string {
	s := make([]string, len(msgs))
	for i, m := range msgs {
		s[i] = string(m.Body)
	}
	return s
}

// TestQueueFull: a publish over the limit fails, saying which queue, what
// limit and what to do.
func TestQueueFull(t *testing.T) {
	tests := []struct {
		name string
		bus  []Option
		opts QueueOptions
	}{
		{name: "bus limit", bus: []Option{WithQueueLimit(2)}},
		{name: "queue max length", opts: QueueOptions{MaxLength: 2}},
		{name: "queue max length under a bus limit", bus: []Option{WithQueueLimit(100)}, opts: QueueOptions{MaxLength: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBus(tt.bus...)
			declare(t, b, []string{"small"}, tt.opts)
			publishTo(t, b, "small", "1", "2")
			err := b.Publish(t.Context(), "", "small", Publishing{Body: []byte("3")})
			var full *QueueFullError
			if !errors.Is(err, ErrQueueFull) || !errors.As(err, &full) || full.Queue != "small" || full.Limit != 2 {
				t.Fatalf("Publish = %v, want a *QueueFullError for %q, limit 2", err, "small")
			}
			for _, want := range []string{`"small"`, "2 messages", "consume faster", "raise the limit"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if got := drain(t, b, "small"); !slices.Equal(got, []string{"1", "2"}) {
				t.Errorf("queue holds %q, want [1 2]", got)
			}
		})
	}
}

// TestFanoutAllOrNothing: when one bound queue is full, no queue gets the
// message.
func TestFanoutAllOrNothing(t *testing.T) {
	b := NewBus()
	declare(t, b, []string{"roomy"}, QueueOptions{})
	declare(t, b, []string{"tight"}, QueueOptions{MaxLength: 1})
	mustDo(t, "DeclareExchange", b.DeclareExchange("f", Fanout))
	mustDo(t, "Bind roomy", b.Bind("roomy", "f", ""))
	mustDo(t, "Bind tight", b.Bind("tight", "f", ""))
	publishTo(t, b, "tight", "filler")
	err := b.Publish(t.Context(), "f", "", Publishing{Body: []byte("m")})
	if !errors.Is(err, ErrQueueFull) || !strings.Contains(err.Error(), `"tight"`) {
		t.Fatalf("Publish = %v, want ErrQueueFull naming %q", err, "tight")
	}
	if got := drain(t, b, "roomy"); len(got) != 0 {
		t.Errorf("queue %q got %q after a refused fanout, want nothing", "roomy", got)
	}
}

// TestRequeueOrder: requeued messages return to the head in delivery order,
// ahead of the rest and regardless of the limit.
func TestRequeueOrder(t *testing.T) {
	b := NewBus()
	declare(t, b, []string{"q"}, QueueOptions{MaxLength: 4})
	publishTo(t, b, "q", "a", "b", "c", "d")
	p, err := b.Consume(0, "q")
	mustDo(t, "Consume", err)
	defer p.Close(context.Background())
	msgs, err := p.Poll(t.Context(), 0, 3)
	mustDo(t, "Poll", err)
	publishTo(t, b, "q", "e", "f", "g") // the queue is full again: d e f g
	mustDo(t, "Settle", p.Settle(t.Context(), []poller.Settlement{
		{Msg: msgs[2], Outcome: poller.Requeue},
		{Msg: msgs[1], Outcome: poller.Ack},
		{Msg: msgs[0], Outcome: poller.Requeue},
	}))
	again, err := p.Poll(t.Context(), 0, 10)
	mustDo(t, "Poll", err)
	if got, want := bodiesOf(again), []string{"a", "c", "d", "e", "f", "g"}; !slices.Equal(got, want) {
		t.Errorf("after requeue got %q, want %q", got, want)
	}
	if m := again[0]; !m.Redelivered || m.Deliveries != 2 {
		t.Errorf("requeued message: Redelivered %v, Deliveries %d; want true, 2", m.Redelivered, m.Deliveries)
	}
	if m := again[2]; m.Redelivered || m.Deliveries != 1 {
		t.Errorf("first delivery: Redelivered %v, Deliveries %d; want false, 1", m.Redelivered, m.Deliveries)
	}
}

// fakeClock moves the bus clock on by hand.
func fakeClock(b *Bus) *atomic.Int64 {
	var skew atomic.Int64
	b.now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	return &skew
}

// TestExpiration: expired messages are discarded, or dead-lettered when the
// queue has a dead-letter exchange, and never delivered.
func TestExpiration(t *testing.T) {
	b := NewBus()
	skew := fakeClock(b)
	declare(t, b, []string{"q"}, QueueOptions{})
	for _, p := range []Publishing{
		{Body: []byte("short"), Expiration: time.Second},
		{Body: []byte("long"), Expiration: time.Hour},
		{Body: []byte("forever")},
	} {
		mustDo(t, "Publish", b.Publish(t.Context(), "", "q", p))
	}
	skew.Store(int64(time.Minute))
	if got, want := drain(t, b, "q"), []string{"long", "forever"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestDeadLetter: rejected and expired messages go to the dead-letter
// exchange with their routing key, marked with the reason.
func TestDeadLetter(t *testing.T) {
	b := NewBus()
	skew := fakeClock(b)
	mustDo(t, "DeclareExchange", b.DeclareExchange("dlx", Topic))
	declare(t, b, []string{"work"}, QueueOptions{DeadLetterExchange: "dlx"})
	declare(t, b, []string{"dead"}, QueueOptions{})
	mustDo(t, "Bind", b.Bind("dead", "dlx", "work"))
	mustDo(t, "Publish", b.Publish(t.Context(), "", "work", Publishing{Body: []byte("stale"), Expiration: time.Second}))
	publishTo(t, b, "work", "bad")
	skew.Store(int64(time.Minute))
	p, err := b.Consume(0, "work")
	mustDo(t, "Consume", err)
	defer p.Close(context.Background())
	msgs, err := p.Poll(t.Context(), 0, 10)
	mustDo(t, "Poll", err)
	if got := bodiesOf(msgs); !slices.Equal(got, []string{"bad"}) {
		t.Fatalf("work got %q, want [bad]", got)
	}
	mustDo(t, "Settle", p.Settle(t.Context(), []poller.Settlement{{Msg: msgs[0], Outcome: poller.Reject}}))

	d, err := b.Consume(0, "dead")
	mustDo(t, "Consume", err)
	defer d.Close(context.Background())
	dead, err := d.Poll(t.Context(), 0, 10)
	mustDo(t, "Poll", err)
	want := []struct{ body, reason string }{{"stale", "expired"}, {"bad", "rejected"}}
	if len(dead) != len(want) {
		t.Fatalf("dead got %q, want stale and bad", bodiesOf(dead))
	}
	for i, w := range want {
		m := dead[i]
		if string(m.Body) != w.body || m.Headers["x-first-death-reason"] != w.reason ||
			m.Headers["x-first-death-queue"] != "work" || m.Deliveries != 1 {
			t.Errorf("dead[%d] = %q, headers %v, deliveries %d; want %q, reason %q from %q, 1",
				i, m.Body, m.Headers, m.Deliveries, w.body, w.reason, "work")
		}
	}
}

// TestAutoDelete: an auto-delete queue goes with its last consumer, and its
// bindings with it.
func TestAutoDelete(t *testing.T) {
	b := NewBus()
	declare(t, b, []string{"reply"}, QueueOptions{AutoDelete: true})
	mustDo(t, "DeclareExchange", b.DeclareExchange("x", Topic))
	mustDo(t, "Bind", b.Bind("reply", "x", "k"))
	p1, err := b.Consume(1, "reply")
	mustDo(t, "Consume", err)
	p2, err := b.Consume(1, "reply")
	mustDo(t, "Consume", err)
	mustDo(t, "Close", p1.Close(context.Background()))
	if s, err := b.Stats("reply"); err != nil || s.Consumers != 1 {
		t.Fatalf("after closing one of two consumers, Stats = %+v, %v; want 1 consumer", s, err)
	}
	mustDo(t, "Close", p2.Close(context.Background()))
	if _, err := b.Stats("reply"); !errors.Is(err, ErrNoQueue) {
		t.Errorf("after closing the last consumer, Stats error = %v, want %v", err, ErrNoQueue)
	}
	if err := b.Publish(t.Context(), "x", "k", Publishing{Mandatory: true}); !errors.Is(err, ErrUnroutable) {
		t.Errorf("publish to the deleted queue's binding = %v, want %v", err, ErrUnroutable)
	}
}

// TestDeleteQueue: consumers of a deleted queue are told, also while waiting.
func TestDeleteQueue(t *testing.T) {
	b := NewBus()
	declare(t, b, []string{"gone"}, QueueOptions{})
	publishTo(t, b, "gone", "lost")
	p, err := b.Consume(0, "gone")
	mustDo(t, "Consume", err)
	defer p.Close(context.Background())
	deleted := make(chan error, 1)
	timer := time.AfterFunc(20*time.Millisecond, func() { deleted <- b.DeleteQueue("gone") })
	defer timer.Stop()
	msgs, err := p.Poll(t.Context(), 0, 10)
	mustDo(t, "Poll", err)
	mustDo(t, "Settle", p.Settle(t.Context(), acks(msgs)))
	start := time.Now()
	_, err = p.Poll(t.Context(), 10*time.Second, 10)
	if !errors.Is(err, ErrNoQueue) || time.Since(start) > time.Second {
		t.Errorf("Poll = %v after %v, want %v promptly", err, time.Since(start), ErrNoQueue)
	}
	mustDo(t, "DeleteQueue", <-deleted)
	if err := b.DeleteQueue("gone"); !errors.Is(err, ErrNoQueue) {
		t.Errorf("second DeleteQueue = %v, want %v", err, ErrNoQueue)
	}
}

// TestFairness: a Poller over several queues takes from each in turn.
func TestFairness(t *testing.T) {
	b := NewBus()
	declare(t, b, []string{"busy", "calm"}, QueueOptions{})
	publishTo(t, b, "busy", "b1", "b2", "b3", "b4", "b5", "b6")
	publishTo(t, b, "calm", "c1", "c2", "c3")
	p, err := b.Consume(0, "busy", "calm")
	mustDo(t, "Consume", err)
	defer p.Close(context.Background())
	for _, want := range [][]string{{"b1", "b2", "c1", "c2"}, {"c3", "b3", "b4", "b5"}, {"b6"}} {
		msgs, err := p.Poll(t.Context(), 0, 4)
		mustDo(t, "Poll", err)
		if got := bodiesOf(msgs); !slices.Equal(got, want) {
			t.Errorf("Poll got %q, want %q", got, want)
		}
	}
}

// TestPublishCopiesBody: the publisher may reuse its buffer.
func TestPublishCopiesBody(t *testing.T) {
	b := NewBus()
	declare(t, b, []string{"q"}, QueueOptions{})
	buf := []byte("original")
	mustDo(t, "Publish", b.Publish(context.Background(), "", "q", Publishing{Body: buf}))
	copy(buf, "mutated!")
	if got := drain(t, b, "q"); !slices.Equal(got, []string{"original"}) {
		t.Errorf("got %q, want [original]", got)
	}
}
