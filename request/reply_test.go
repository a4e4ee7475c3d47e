package request

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/wire"
)

// fakePublisher records what is published and answers each attempt with
// fail(attempt, to), attempts counted from 1; nil fail always succeeds.
type fakePublisher struct {
	fail func(attempt int, to transport.Address) error

	mu   sync.Mutex
	sent []published
}

type published struct {
	to  transport.Address
	msg transport.Message
	err error
}

func (p *fakePublisher) Publish(ctx context.Context, to transport.Address, m transport.Message) error {
	if err := ctx.Err(); err != nil { // as the real transports do
		return err
	}
	p.mu.Lock()
	n := len(p.sent) + 1
	p.mu.Unlock()
	var err error
	if p.fail != nil {
		err = p.fail(n, to)
	}
	p.mu.Lock()
	p.sent = append(p.sent, published{to: to, msg: m, err: err})
	p.mu.Unlock()
	return err
}

// attempts is how many publishes were tried.
func (p *fakePublisher) attempts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sent)
}

// replies decodes what was published without error.
func (p *fakePublisher) replies(t *testing.T) []*wire.Reply {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*wire.Reply
	for _, s := range p.sent {
		if s.err != nil {
			continue
		}
		r, err := wire.DecodeReply(s.msg.Body)
		if err != nil {
			t.Fatalf("published a reply that does not decode: %v", err)
		}
		out = append(out, r)
	}
	return out
}

var errUnroutable = fmt.Errorf("%w: exchange \"\" has no queue for routing key %q", transport.ErrUnroutable, "reply_gone")

func alwaysUnroutable(int, transport.Address) error { return errUnroutable }

func encodedReply(t *testing.T) []byte {
	t.Helper()
	body, err := wire.EncodeReply(&wire.Reply{MsgID: "m1", Ending: true, Result: []byte(`42`)})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestReplyMissingQueueUntilDeadline: a reply to a queue that is missing is
// tried every 250 ms until the caller's deadline, then the queue is
// remembered as obsolete: the next reply to it gets one attempt, no wait,
// while other queues are still tried; once the queue is back a reply is
// delivered and the queue obsolete no more.
func TestReplyMissingQueueUntilDeadline(t *testing.T) {
	pub := &fakePublisher{fail: func(_ int, to transport.Address) error {
		if to.RoutingKey == "reply_gone" {
			return errUnroutable
		}
		return nil
	}}
	p := &replier{pub: pub}
	start := time.Now()
	err := p.send(context.Background(), "reply_gone", encodedReply(t), start.Add(600*time.Millisecond))
	took := time.Since(start)
	if !errors.Is(err, errReplyQueueGone) || !errors.Is(err, transport.ErrUnroutable) {
		t.Errorf("got %v, want an error wrapping errReplyQueueGone and transport.ErrUnroutable", err)
	}
	// Attempts at 0, 250 and 500 ms; a slow machine may fit one fewer.
	if n := pub.attempts(); n < 2 || n > 4 {
		t.Errorf("attempts within a 600 ms deadline: got %d, want 2 to 4 (one per 250 ms)", n)
	}
	if took > 5*time.Second {
		t.Errorf("send took %s, want it to end at the 600 ms deadline", took)
	}
	if !p.obsolete.has("reply_gone", time.Now()) {
		t.Errorf("reply_gone not remembered as obsolete after its deadline")
	}

	before := pub.attempts()
	err = p.send(context.Background(), "reply_gone", encodedReply(t), time.Now().Add(time.Minute))
	if !errors.Is(err, errReplyQueueGone) {
		t.Errorf("second reply to the obsolete queue: got %v, want errReplyQueueGone", err)
	}
	if n := pub.attempts() - before; n != 1 {
		t.Errorf("second reply to the obsolete queue: %d publishes, want 1 (one attempt, no wait)", n)
	}

	if err := p.send(context.Background(), "reply_ok", encodedReply(t), time.Now().Add(time.Minute)); err != nil {
		t.Errorf("reply to another queue: got %v, want nil", err)
	}
}

// TestReplyObsoleteQueueBack: a reply to an obsolete queue that is back
// (its caller reconnected and declared it again) is delivered, and the
// queue is obsolete no more.
func TestReplyObsoleteQueueBack(t *testing.T) {
	pub := &fakePublisher{fail: func(int, transport.Address) error { return nil }}
	p := &replier{pub: pub}
	p.obsolete.add("reply_back", time.Now())
	if err := p.send(context.Background(), "reply_back", encodedReply(t), time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("reply to a queue that is back: got %v, want it delivered", err)
	}
	if p.obsolete.has("reply_back", time.Now()) {
		t.Errorf("reply_back still obsolete after a reply to it was delivered")
	}
	if len(p.obsolete.order) != 0 {
		t.Errorf("obsolete order still holds %v", p.obsolete.order)
	}
}

// TestReplyMissingQueueBoundedByServer: the wait for a missing queue ends
// after the server's bound even when the caller's deadline (the message's
// TTL, which its sender sets) is an hour away.
func TestReplyMissingQueueBoundedByServer(t *testing.T) {
	pub := &fakePublisher{fail: alwaysUnroutable}
	p := &replier{pub: pub, missingFor: 600 * time.Millisecond}
	start := time.Now()
	err := p.send(context.Background(), "reply_gone", encodedReply(t), start.Add(time.Hour))
	if !errors.Is(err, errReplyQueueGone) {
		t.Errorf("got %v, want errReplyQueueGone", err)
	}
	if n := pub.attempts(); n < 2 || n > 4 {
		t.Errorf("attempts within the 600 ms bound: got %d, want 2 to 4", n)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("send took %s, want it to end after the server's 600 ms bound", took)
	}
	if !p.obsolete.has("reply_gone", time.Now()) {
		t.Errorf("reply_gone not remembered as obsolete after the bound")
	}
}

// TestReplyMissingQueueComesBack: a queue that appears before the deadline
// (a caller re-declaring it after a failover) gets the reply, and is not
// remembered as obsolete.
func TestReplyMissingQueueComesBack(t *testing.T) {
	pub := &fakePublisher{fail: func(attempt int, _ transport.Address) error {
		if attempt < 3 {
			return errUnroutable
		}
		return nil
	}}
	p := &replier{pub: pub}
	if err := p.send(context.Background(), "reply_q", encodedReply(t), time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("got %v, want nil once the queue is back", err)
	}
	if n := pub.attempts(); n != 3 {
		t.Errorf("attempts: got %d, want 3", n)
	}
	if p.obsolete.has("reply_q", time.Now()) {
		t.Errorf("reply_q remembered as obsolete, want not: the reply was delivered")
	}
}

// TestReplyOtherErrorsEndAtOnce: failures another attempt would only
// repeat end the reply after one attempt, and do not mark the queue.
func TestReplyOtherErrorsEndAtOnce(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"broker nack", errors.New("rabbit: the broker refused the message (basic.nack)")},
		{"transport closed", transport.ErrClosed},
		{"no exchange", fmt.Errorf("%w: \"\"", transport.ErrNoExchange)},
		{"publish timed out", context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub := &fakePublisher{fail: func(int, transport.Address) error { return tt.err }}
			p := &replier{pub: pub}
			err := p.send(context.Background(), "reply_q", encodedReply(t), time.Now().Add(time.Minute))
			if !errors.Is(err, tt.err) {
				t.Errorf("got %v, want %v", err, tt.err)
			}
			if n := pub.attempts(); n != 1 {
				t.Errorf("attempts: got %d, want 1", n)
			}
			if p.obsolete.has("reply_q", time.Now()) {
				t.Errorf("queue remembered as obsolete after %v, want only a missing queue to be", tt.err)
			}
		})
	}
}

// TestReplyCancelEndsRetries: a reply retrying a missing queue stops when
// its context ends (the server closing), well before the caller's
// deadline, and does not mark the queue: the caller may still be there.
func TestReplyCancelEndsRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pub := &fakePublisher{fail: func(attempt int, _ transport.Address) error {
		if attempt == 2 {
			cancel()
		}
		return errUnroutable
	}}
	p := &replier{pub: pub}
	err := p.send(ctx, "reply_q", encodedReply(t), time.Now().Add(time.Minute))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, transport.ErrUnroutable) {
		t.Errorf("got %v, want context.Canceled wrapping the last attempt's ErrUnroutable", err)
	}
	if n := pub.attempts(); n != 2 {
		t.Errorf("attempts: got %d, want 2 (none after the cancel)", n)
	}
	if p.obsolete.has("reply_q", time.Now()) {
		t.Errorf("queue remembered as obsolete after a cancel, want not")
	}
}

// TestReplyStopDeadlineIsNotTheCallers: a reply cut short by a deadline of
// its context (a graceful stop's), not by the caller's, does not mark the
// queue obsolete.
func TestReplyStopDeadlineIsNotTheCallers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	pub := &fakePublisher{fail: alwaysUnroutable}
	p := &replier{pub: pub}
	err := p.send(ctx, "reply_q", encodedReply(t), time.Now().Add(time.Minute))
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errReplyQueueGone) {
		t.Errorf("got %v, want the context's DeadlineExceeded, not errReplyQueueGone", err)
	}
	if p.obsolete.has("reply_q", time.Now()) {
		t.Errorf("queue remembered as obsolete after the server's own deadline, want not")
	}
}

// TestReplyStopsWhenAnotherFoundQueueGone: a reply retrying a missing queue
// gives up as soon as another reply found that queue missing until its own
// deadline, instead of repeating the wait.
func TestReplyStopsWhenAnotherFoundQueueGone(t *testing.T) {
	var p *replier
	pub := &fakePublisher{fail: func(attempt int, _ transport.Address) error {
		if attempt == 1 {
			p.obsolete.add("reply_q", time.Now()) // what another reply's deadline does
		}
		return errUnroutable
	}}
	p = &replier{pub: pub}
	err := p.send(context.Background(), "reply_q", encodedReply(t), time.Now().Add(3*time.Second))
	if !errors.Is(err, errReplyQueueGone) {
		t.Errorf("got %v, want errReplyQueueGone", err)
	}
	if n := pub.attempts(); n != 1 {
		t.Errorf("attempts: got %d, want 1", n)
	}
}

// TestObsoleteQueuesExpire: a queue is obsolete for obsoleteTTL after it
// was (last) found missing.
func TestObsoleteQueuesExpire(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var o obsoleteQueues
	o.add("q", t0)
	tests := []struct {
		name  string
		queue string
		at    time.Time
		want  bool
	}{
		{"at once", "q", t0, true},
		{"just before the TTL", "q", t0.Add(obsoleteTTL - time.Nanosecond), true},
		{"at the TTL", "q", t0.Add(obsoleteTTL), false},
		{"long after", "q", t0.Add(time.Hour), false},
		{"another queue", "r", t0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := o.has(tt.queue, tt.at); got != tt.want {
				t.Errorf("has(%q, t0+%s): got %v, want %v", tt.queue, tt.at.Sub(t0), got, tt.want)
			}
		})
	}
	o.add("q", t0.Add(2*time.Hour)) // found missing again
	if !o.has("q", t0.Add(2*time.Hour+obsoleteTTL/2)) {
		t.Errorf("q found missing again: not obsolete for another TTL")
	}
}

// TestObsoleteQueuesBound: at most obsoleteSize queues are remembered; the
// one found missing longest ago goes first, a queue found missing again
// counting from then.
func TestObsoleteQueuesBound(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var o obsoleteQueues
	for i := range obsoleteSize {
		o.add(fmt.Sprint("q", i), t0)
	}
	o.add("q0", t0.Add(time.Second)) // q0 found missing again: q1 is now the oldest
	o.add("new", t0.Add(time.Second))
	at := t0.Add(2 * time.Second)
	tests := []struct {
		queue string
		want  bool
	}{
		{"q0", true}, {"q1", false}, {"q2", true}, {fmt.Sprint("q", obsoleteSize-1), true}, {"new", true},
	}
	for _, tt := range tests {
		if got := o.has(tt.queue, at); got != tt.want {
			t.Errorf("has(%q): got %v, want %v", tt.queue, got, tt.want)
		}
	}
	if len(o.until) != obsoleteSize || len(o.order) != obsoleteSize {
		t.Errorf("remembered %d queues (order %d), want %d", len(o.until), len(o.order), obsoleteSize)
	}
	for i := range 10 * obsoleteSize {
		o.add(fmt.Sprint("flood", i), at)
	}
	if len(o.until) != obsoleteSize || len(o.order) != obsoleteSize {
		t.Errorf("after a flood: remembered %d queues (order %d), want %d", len(o.until), len(o.order), obsoleteSize)
	}
}
