package rabbit

import (
	"context"
	"errors"
	"strings"
	"testing"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// TestNewFails: the first attempt is not retried, and its error says which
// step failed and wraps why. Nothing is left running (TestMain checks).
func TestNewFails(t *testing.T) {
	r := newRabbit(t)
	q := r.queue(t, nil)
	errBoom := errors.New("boom")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	good := consumeOptions{Prefetch: 1}
	tests := []struct {
		name    string
		ctx     context.Context
		connect connector
		declare declarerFunc
		o       consumeOptions
		wantErr error // when set, wrapped
		want    string
	}{
		{
			name:    "connector fails",
			connect: func(context.Context) (*link, error) { return nil, errBoom },
			declare: declareQueue(q, nil), o: good, wantErr: errBoom, want: "rabbit: connecting",
		},
		{
			name: "context done", ctx: cancelled,
			connect: dial(r.url, 0), declare: declareQueue(q, nil), o: good, wantErr: context.Canceled, want: "rabbit: connecting",
		},
		{
			name:    "declarer fails",
			connect: dial(r.url, 0), declare: func(*amqp091.Channel) ([]string, error) { return nil, errBoom },
			o: good, wantErr: errBoom, want: "rabbit: declaring",
		},
		{
			name:    "no queue to consume",
			connect: dial(r.url, 0), declare: func(*amqp091.Channel) ([]string, error) { return nil, nil },
			o: good, want: "no queue to consume",
		},
		{
			name:    "queue listed twice",
			connect: dial(r.url, 0), declare: func(*amqp091.Channel) ([]string, error) { return []string{q, q}, nil },
			o: good, want: "listed twice",
		},
		{
			name:    "queue missing",
			connect: dial(r.url, 0), declare: func(*amqp091.Channel) ([]string, error) { return []string{q + ".missing"}, nil },
			o: good, want: "rabbit: consuming",
		},
		{
			name:    "prefetch 0",
			connect: dial(r.url, 0), declare: declareQueue(q, nil), o: consumeOptions{}, wantErr: errInvalidConsume, want: "prefetch",
		},
		{
			name:    "prefetch over 65535",
			connect: dial(r.url, 0), declare: declareQueue(q, nil), o: consumeOptions{Prefetch: 1 << 16}, wantErr: errInvalidConsume, want: "prefetch",
		},
		{
			name:    "negative retries",
			connect: dial(r.url, 0), declare: declareQueue(q, nil), o: consumeOptions{Prefetch: 1, MaxRetries: -1},
			wantErr: errInvalidConsume, want: "max retries",
		},
		{
			name:    "no connector",
			declare: declareQueue(q, nil), o: good, wantErr: errInvalidConsume, want: "connector",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = t.Context()
			}
			p, err := startPoller(ctx, tt.connect, tt.declare, tt.o)
			if err == nil {
				p.Close(context.Background())
				t.Fatalf("New = nil error, want one containing %q", tt.want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v; want an error containing %q, wrapping %v", err, tt.want, tt.wantErr)
			}
		})
	}
}
