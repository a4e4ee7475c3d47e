package memory

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/poller/pollertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestContract runs the suite every poller passes.
func TestContract(t *testing.T) {
	b := NewBus()
	pollertest.Run(t, pollertest.Harness{
		Open: func(t *testing.T, queue string, prefetch int) poller.Poller {
			t.Helper()
			if err := b.DeclareQueue(queue, QueueOptions{}); err != nil {
				t.Fatalf("DeclareQueue: %v", err)
			}
			p, err := b.Consume(prefetch, queue)
			if err != nil {
				t.Fatalf("Consume: %v", err)
			}
			t.Cleanup(func() { _ = p.Close(context.Background()) })
			return p
		},
		Publish: func(t *testing.T, queue string, body []byte) error {
			return b.Publish(t.Context(), "", queue, Publishing{Body: body, Mandatory: true})
		},
	})
}

// declare builds a topology or fails t.
func declare(t *testing.T, b *Bus, queues []string, o QueueOptions) {
	t.Helper()
	for _, q := range queues {
		if err := b.DeclareQueue(q, o); err != nil {
			t.Fatalf("DeclareQueue(%q): %v", q, err)
		}
	}
}

func mustDo(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// drain takes what is ready on queue without waiting.
func drain(t *testing.T, b *Bus, queue string) []string {
	t.Helper()
	p, err := b.Consume(0, queue)
	mustDo(t, "Consume "+queue, err)
	defer p.Close(context.Background())
	msgs, err := p.Poll(t.Context(), 0, 1000)
	mustDo(t, "Poll "+queue, err)
	var got []string
	for _, m := range msgs {
		got = append(got, string(m.Body))
	}
	mustDo(t, "Settle", p.Settle(t.Context(), acks(msgs)))
	return got
}

func acks(msgs []*poller.Message) []poller.Settlement {
	s := make([]poller.Settlement, len(msgs))
	for i, m := range msgs {
		s[i] = poller.Settlement{Msg: m, Outcome: poller.Ack}
	}
	return s
}

// TestRouting publishes through each kind of exchange and checks which
// queues receive the message.
func TestRouting(t *testing.T) {
	queues := []string{"a", "a.s1", "fan1", "fan2", "wild"}
	tests := []struct {
		name          string
		exchange, key string
		mandatory     bool
		want          map[string][]string // queue → bodies
		wantErr       error
	}{
		{name: "default exchange", key: "a.s1", want: map[string][]string{"a.s1": {"m"}}},
		{name: "default exchange, no queue", key: "nope"},
		{name: "default exchange, no queue, mandatory", key: "nope", mandatory: true, wantErr: ErrUnroutable},
		{name: "topic exact key", exchange: "openstack", key: "a", want: map[string][]string{"a": {"m"}}},
		{name: "topic server key", exchange: "openstack", key: "a.s1", want: map[string][]string{"a.s1": {"m"}, "wild": {"m"}}},
		{name: "topic hash wildcard", exchange: "openstack", key: "x.y.z", want: map[string][]string{"wild": {"m"}}},
		{name: "topic unbound key", exchange: "openstack", key: "b"},
		{name: "topic unbound key, mandatory", exchange: "openstack", key: "b", mandatory: true, wantErr: ErrUnroutable},
		{name: "fanout", exchange: "a_fanout", key: "ignored", want: map[string][]string{"fan1": {"m"}, "fan2": {"m"}}},
		{name: "no exchange", exchange: "missing", key: "a", wantErr: ErrNoExchange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBus()
			declare(t, b, queues, QueueOptions{})
			mustDo(t, "declare openstack", b.DeclareExchange("openstack", Topic))
			mustDo(t, "declare a_fanout", b.DeclareExchange("a_fanout", Fanout))
			mustDo(t, "bind a", b.Bind("a", "openstack", "a"))
			mustDo(t, "bind a.s1", b.Bind("a.s1", "openstack", "a.s1"))
			mustDo(t, "bind wild", b.Bind("wild", "openstack", "*.s1"))
			mustDo(t, "bind wild", b.Bind("wild", "openstack", "x.#"))
			mustDo(t, "bind fan1", b.Bind("fan1", "a_fanout", ""))
			mustDo(t, "bind fan2", b.Bind("fan2", "a_fanout", ""))
			err := b.Publish(t.Context(), tt.exchange, tt.key, Publishing{Body: []byte("m"), Mandatory: tt.mandatory})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Publish = %v, want %v", err, tt.wantErr)
			}
			if err != nil && (!strings.Contains(err.Error(), tt.exchange) || !strings.Contains(err.Error(), tt.key)) {
				t.Errorf("error %q does not name exchange %q and key %q", err, tt.exchange, tt.key)
			}
			for _, q := range queues {
				if got := drain(t, b, q); !slices.Equal(got, tt.want[q]) {
					t.Errorf("queue %q got %q, want %q", q, got, tt.want[q])
				}
			}
		})
	}
}

// TestMatchTopic checks AMQP topic wildcards.
func TestMatchTopic(t *testing.T) {
	tests := []struct {
		pattern, key string
		want         bool
	}{
		{"a.b", "a.b", true},
		{"a.b", "a.c", false},
		{"a.*", "a.b", true},
		{"a.*", "a", false},
		{"a.*", "a.b.c", false},
		{"*.b.*", "a.b.c", true},
		{"#", "", true},
		{"#", "a.b.c", true},
		{"a.#", "a", true},
		{"a.#", "a.b.c", true},
		{"a.#.c", "a.c", true},
		{"a.#.c", "a.b.b.c", true},
		{"a.#.c", "a.b.d", false},
		{"#.c", "c", true},
		{"*.*", "a", false},
	}
	for _, tt := range tests {
		got := matchTopic(strings.Split(tt.pattern, "."), strings.Split(tt.key, "."))
		if got != tt.want {
			t.Errorf("matchTopic(%q, %q) = %v, want %v", tt.pattern, tt.key, got, tt.want)
		}
	}
}

// TestWakeOnPublishToAnyQueue: a Poll waiting on two queues with a long
// timeout returns as soon as a message is published to the second one. The
// publish is delayed only so the Poll is likely waiting by then; the test is
// correct either way.
func TestWakeOnPublishToAnyQueue(t *testing.T) {
	b := NewBus()
	declare(t, b, []string{"q1", "q2"}, QueueOptions{})
	p, err := b.Consume(10, "q1", "q2")
	mustDo(t, "Consume", err)
	defer p.Close(context.Background())
	published := make(chan error, 1)
	timer := time.AfterFunc(20*time.Millisecond, func() {
		published <- b.Publish(context.Background(), "", "q2", Publishing{Body: []byte("hi")})
	})
	defer timer.Stop()
	start := time.Now()
	msgs, err := p.Poll(t.Context(), 10*time.Second, 10)
	if elapsed := time.Since(start); err != nil || len(msgs) != 1 || elapsed > time.Second {
		t.Fatalf("Poll = %d messages, %v after %v; want 1, nil, promptly", len(msgs), err, elapsed)
	}
	mustDo(t, "Publish", <-published)
}
