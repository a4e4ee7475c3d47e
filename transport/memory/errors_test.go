package memory

import (
	"context"
	"errors"
	"testing"

	"github.com/rpcexec/rpcexec/poller"
)

// TestRedeclare: declaring again is harmless unless it disagrees, which is
// ErrPrecondition as on RabbitMQ.
func TestRedeclare(t *testing.T) {
	tests := []struct {
		name    string
		again   func(b *Bus) error
		wantErr error
	}{
		{"exchange same kind", func(b *Bus) error { return b.DeclareExchange("x", Topic) }, nil},
		{"exchange other kind", func(b *Bus) error { return b.DeclareExchange("x", Fanout) }, ErrPrecondition},
		{"queue same options", func(b *Bus) error { return b.DeclareQueue("q", QueueOptions{MaxLength: 5}) }, nil},
		{"queue other limit", func(b *Bus) error { return b.DeclareQueue("q", QueueOptions{}) }, ErrPrecondition},
		{"queue other auto-delete", func(b *Bus) error {
			return b.DeclareQueue("q", QueueOptions{MaxLength: 5, AutoDelete: true})
		}, ErrPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBus()
			mustDo(t, "DeclareExchange", b.DeclareExchange("x", Topic))
			mustDo(t, "DeclareQueue", b.DeclareQueue("q", QueueOptions{MaxLength: 5}))
			if err := tt.again(b); !errors.Is(err, tt.wantErr) {
				t.Errorf("redeclare = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestInvalidArguments: misuse is an error naming what is wrong, never a
// panic.
func TestInvalidArguments(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		call    func(b *Bus) error
		wantErr error
	}{
		{"declare default exchange", func(b *Bus) error { return b.DeclareExchange("", Topic) }, ErrInvalidArgument},
		{"declare zero kind", func(b *Bus) error { return b.DeclareExchange("y", 0) }, ErrInvalidArgument},
		{"declare unnamed queue", func(b *Bus) error { return b.DeclareQueue("", QueueOptions{}) }, ErrInvalidArgument},
		{"declare negative length", func(b *Bus) error { return b.DeclareQueue("r", QueueOptions{MaxLength: -1}) }, ErrInvalidArgument},
		{"bind default exchange", func(b *Bus) error { return b.Bind("q", "", "k") }, ErrInvalidArgument},
		{"bind missing queue", func(b *Bus) error { return b.Bind("nope", "x", "k") }, ErrNoQueue},
		{"bind missing exchange", func(b *Bus) error { return b.Bind("q", "nope", "k") }, ErrNoExchange},
		{"consume negative prefetch", func(b *Bus) error { _, err := b.Consume(-1, "q"); return err }, ErrInvalidArgument},
		{"consume nothing", func(b *Bus) error { _, err := b.Consume(1); return err }, ErrInvalidArgument},
		{"consume twice", func(b *Bus) error { _, err := b.Consume(1, "q", "q"); return err }, ErrInvalidArgument},
		{"consume missing queue", func(b *Bus) error { _, err := b.Consume(1, "nope"); return err }, ErrNoQueue},
		{"publish negative expiration", func(b *Bus) error {
			return b.Publish(context.Background(), "", "q", Publishing{Expiration: -1})
		}, ErrInvalidArgument},
		{"publish cancelled", func(b *Bus) error { return b.Publish(cancelled, "", "q", Publishing{}) }, context.Canceled},
		{"poll max 0", func(b *Bus) error {
			p, err := b.Consume(1, "q")
			if err != nil {
				return err
			}
			defer p.Close(context.Background())
			_, err = p.Poll(context.Background(), 0, 0)
			return err
		}, ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBus()
			mustDo(t, "DeclareExchange", b.DeclareExchange("x", Topic))
			mustDo(t, "DeclareQueue", b.DeclareQueue("q", QueueOptions{}))
			if err := tt.call(b); !errors.Is(err, tt.wantErr) {
				t.Errorf("got %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestSettleErrors: settlements the Poller cannot apply are reported, and
// the valid ones in the same batch still apply.
func TestSettleErrors(t *testing.T) {
	b := NewBus()
	declare(t, b, []string{"q"}, QueueOptions{})
	publishTo(t, b, "q", "1", "2", "3")
	p, err := b.Consume(0, "q")
	mustDo(t, "Consume", err)
	defer p.Close(context.Background())
	other, err := b.Consume(0, "q")
	mustDo(t, "Consume", err)
	defer other.Close(context.Background())
	mine, err := p.Poll(t.Context(), 0, 2)
	mustDo(t, "Poll", err)
	theirs, err := other.Poll(t.Context(), 0, 1)
	mustDo(t, "Poll", err)
	mustDo(t, "Settle", p.Settle(t.Context(), []poller.Settlement{{Msg: mine[0]}}))

	tests := []struct {
		name    string
		s       poller.Settlement
		wantErr error
	}{
		{"already settled", poller.Settlement{Msg: mine[0]}, ErrUnknownDelivery},
		{"other poller's message", poller.Settlement{Msg: theirs[0]}, ErrUnknownDelivery},
		{"nil message", poller.Settlement{}, ErrUnknownDelivery},
		{"unknown outcome", poller.Settlement{Msg: mine[1], Outcome: 9}, ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := p.Settle(t.Context(), []poller.Settlement{tt.s}); !errors.Is(err, tt.wantErr) {
				t.Errorf("Settle = %v, want %v", err, tt.wantErr)
			}
		})
	}
	err = p.Settle(t.Context(), []poller.Settlement{{Msg: mine[0]}, {Msg: mine[1]}})
	if !errors.Is(err, ErrUnknownDelivery) {
		t.Errorf("Settle of a mixed batch = %v, want %v", err, ErrUnknownDelivery)
	}
	if s, err := b.Stats("q"); err != nil || s.Unacked != 1 || s.Ready != 0 {
		t.Errorf("Stats = %+v, %v; want 0 ready, 1 unacked (the other poller's)", s, err)
	}
}

// TestStats: the snapshot follows publishes, deliveries and settlements.
func TestStats(t *testing.T) {
	b := NewBus(WithQueueLimit(7))
	declare(t, b, []string{"q"}, QueueOptions{})
	publishTo(t, b, "q", "1", "2", "3")
	p, err := b.Consume(0, "q")
	mustDo(t, "Consume", err)
	msgs, err := p.Poll(t.Context(), 0, 2)
	mustDo(t, "Poll", err)
	want := QueueStats{Ready: 1, Unacked: 2, Consumers: 1, Limit: 7}
	if got, err := b.Stats("q"); err != nil || got != want {
		t.Errorf("Stats = %+v, %v; want %+v", got, err, want)
	}
	mustDo(t, "Settle", p.Settle(t.Context(), acks(msgs[:1])))
	mustDo(t, "Close", p.Close(context.Background()))
	want = QueueStats{Ready: 2, Unacked: 0, Consumers: 0, Limit: 7}
	if got, err := b.Stats("q"); err != nil || got != want {
		t.Errorf("after Close, Stats = %+v, %v; want %+v", got, err, want)
	}
}
