package rabbit

import (
	"errors"
	"strings"
	"testing"

	"github.com/rpcexec/rpcexec/transport"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// testTarget is a target on an exchange of its own, with its entities
// deleted when the test ends.
func testTarget(t *testing.T, c *amqp091.Connection) (transport.Subscription, string) {
	tg := transport.Subscription{Exchange: unique("x"), Topic: unique("topic"), Server: "s1"}
	fanout := transport.FanoutExchangeName(tg.Topic) + "_" + strings.Repeat("f", 32)
	deleteLater(t, c, []string{tg.Topic, tg.Topic + "." + tg.Server, fanout}, []string{tg.Exchange, transport.FanoutExchangeName(tg.Topic)})
	return tg, fanout
}

// TestDeclareServerTwice declares a server's topology twice, as every
// reconnect does, then re-declares each part with oslo's flags and
// arguments written out: a difference would be a channel error.
func TestDeclareServerTwice(t *testing.T) {
	c := rawConn(t)
	tg, fanout := testTarget(t, c)
	o := DefaultOptions()
	for i := range 2 {
		if err := declare(rawChannel(t, c), transport.ServerQueues(tg, fanout, o.Queues), o); err != nil {
			t.Fatalf("declaration %d: %v", i+1, err)
		}
	}
	ch := rawChannel(t, c)
	oslo := []struct {
		what string
		do   func() error
	}{
		{"control exchange: topic, not durable, not auto-delete", func() error {
			return ch.ExchangeDeclare(tg.Exchange, "topic", false, false, false, false, nil)
		}},
		{"fanout exchange: fanout, not durable, auto-delete", func() error {
			return ch.ExchangeDeclare(transport.FanoutExchangeName(tg.Topic), "fanout", false, true, false, false, nil)
		}},
		{"topic queue: no arguments", func() error {
			_, err := ch.QueueDeclare(tg.Topic, false, false, false, false, nil)
			return err
		}},
		{"server queue: no arguments", func() error {
			_, err := ch.QueueDeclare(tg.Topic+"."+tg.Server, false, false, false, false, nil)
			return err
		}},
		{"fanout queue: x-expires 1800 s (as py-amqp sends it)", func() error {
			_, err := ch.QueueDeclare(fanout, false, false, false, false, amqp091.Table{"x-expires": int64(1800000)})
			return err
		}},
	}
	for _, d := range oslo {
		if err := d.do(); err != nil {
			t.Fatalf("%s: %v", d.what, err)
		}
	}
	// And a difference is noticed: the fanout queue does carry x-expires.
	if _, err := rawChannel(t, c).QueueDeclare(fanout, false, false, false, false, nil); err == nil {
		t.Error("fanout queue re-declared without x-expires: got no error, want PRECONDITION_FAILED")
	}
}

func TestDeclareReplyQueue(t *testing.T) {
	c := rawConn(t)
	name := "reply_" + unique("q")
	deleteLater(t, c, []string{name}, nil)
	if err := declare(rawChannel(t, c), transport.ReplyQueues(name), DefaultOptions()); err != nil {
		t.Fatal(err)
	}
	_, err := rawChannel(t, c).QueueDeclare(name, false, false, false, false, amqp091.Table{"x-expires": int32(1800000)})
	if err != nil {
		t.Errorf("re-declaring as oslo's declare_direct_consumer does: %v", err)
	}
}

// TestDeclarePreconditionExplained declares over queues and exchanges that
// exist with other settings: the error names the entity, the argument and
// the option to change.
func TestDeclarePreconditionExplained(t *testing.T) {
	tests := []struct {
		name     string
		existing func(ch *amqp091.Channel, tg transport.Subscription) error
		o        func(*Options)
		want     []string
	}{
		{"durable queue, default options",
			func(ch *amqp091.Channel, tg transport.Subscription) error {
				_, err := ch.QueueDeclare(tg.Topic, true, false, false, false, nil)
				return err
			}, func(*Options) {}, []string{"queue", "durable = true where rpcexec declared false", "rabbit_quorum_queue = true if", "else amqp_durable_queues = true"}},
		{"classic queue, quorum options",
			func(ch *amqp091.Channel, tg transport.Subscription) error {
				_, err := ch.QueueDeclare(tg.Topic, true, false, false, false, nil)
				return err
			}, func(o *Options) { o.Queues.Quorum = true }, []string{"queue", "x-queue-type = none where rpcexec declared quorum", "rabbit_quorum_queue = false (now true)"}},
		{"direct control exchange",
			func(ch *amqp091.Channel, tg transport.Subscription) error {
				return ch.ExchangeDeclare(tg.Exchange, "direct", false, false, false, false, nil)
			}, func(*Options) {}, []string{"exchange", "type = direct where rpcexec declared topic"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rawConn(t)
			tg, fanout := testTarget(t, c)
			if err := tt.existing(rawChannel(t, c), tg); err != nil {
				t.Fatal(err)
			}
			o := DefaultOptions()
			tt.o(&o)
			err := declare(rawChannel(t, c), transport.ServerQueues(tg, fanout, o.Queues), o)
			if !errors.Is(err, ErrPrecondition) {
				t.Fatalf("got %v, want ErrPrecondition", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q, want it to mention %q", err, w)
				}
			}
		})
	}
}
