package rabbit

import (
	"context"
	"errors"
	"strings"
	"testing"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// TestParseReason reads RabbitMQ 3.10's PRECONDITION_FAILED reasons as
// the broker words them.
func TestParseReason(t *testing.T) {
	tests := []struct {
		reason                 string
		arg, received, current string
	}{
		{"PRECONDITION_FAILED - inequivalent arg 'durable' for exchange 'openstack' in vhost '/': received 'false' but current is 'true'",
			"durable", "false", "true"},
		{"PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in vhost '/': received the value 'quorum' of type 'longstr' but current is none",
			"x-queue-type", "quorum", ""},
		{"PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in vhost '/': received none but current is the value 'quorum' of type 'longstr'",
			"x-queue-type", "", "quorum"},
		{"PRECONDITION_FAILED - inequivalent arg 'x-delivery-limit' for queue 'q' in vhost '/': received the value '3' of type 'long' but current is none",
			"x-delivery-limit", "3", ""},
		{"PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'x' in vhost '/': received 'topic' but current is 'direct'",
			"type", "topic", "direct"},
		{"PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q'", "durable", "", ""},
		{"PRECONDITION_FAILED - invalid arg 'x-queue-type' for queue 'q' in vhost '/': \"unsupported queue type 'x'\"", "", "", ""},
	}
	for _, tt := range tests {
		arg, received, current := parseReason(tt.reason)
		if arg != tt.arg || received != tt.received || current != tt.current {
			t.Errorf("parseReason(%q) = %q, %q, %q; want %q, %q, %q", tt.reason, arg, received, current, tt.arg, tt.received, tt.current)
		}
	}
}

// TestAdvice: each conflict names the option that makes the declarations
// match, from what the broker has, not from rpcexec's own options alone.
func TestAdvice(t *testing.T) {
	quorum := func(o *Options) { o.Queues.Quorum = true }
	durable := func(o *Options) { o.Queues.Durable = true }
	none := func(*Options) {}
	tests := []struct {
		name     string
		e        DeclareError
		o        func(*Options)
		found    probed
		want     []string
		dontWant []string
	}{
		{"durable exchange, no probe", DeclareError{Kind: "exchange", Arg: "durable", Received: "false", Current: "true"}, none, probed{},
			[]string{"rabbit_quorum_queue = true if", "else amqp_durable_queues = true"}, nil},
		{"durable exchange of a quorum topic", DeclareError{Kind: "exchange", Arg: "durable", Received: "false", Current: "true"}, none,
			probed{"compute", quorumQueue}, []string{`queue "compute" is a quorum queue`, "rabbit_quorum_queue = true (now false)"},
			[]string{"amqp_durable_queues"}},
		{"durable exchange of a durable classic topic", DeclareError{Kind: "exchange", Arg: "durable", Received: "false", Current: "true"}, none,
			probed{"compute", durableQueue}, []string{`queue "compute" is a durable classic queue`, "amqp_durable_queues = true (now false)"},
			[]string{"rabbit_quorum_queue"}},
		{"classic exchange, quorum options", DeclareError{Kind: "exchange", Arg: "durable", Received: "true", Current: "false"}, quorum,
			probed{"compute", classicQueue}, []string{`queue "compute" is a classic queue, not durable`, "rabbit_quorum_queue = false (now true)", "move every service"},
			[]string{"amqp_durable_queues"}},
		{"classic queue, quorum and durable options", DeclareError{Kind: "queue", Arg: "durable", Received: "true", Current: "false"},
			func(o *Options) { quorum(o); durable(o) }, probed{},
			[]string{"rabbit_quorum_queue = false (now true) and amqp_durable_queues = false (now true)", "delete the queue"}, nil},
		{"classic queue, durable option", DeclareError{Kind: "queue", Arg: "durable", Received: "true", Current: "false"}, durable, probed{},
			[]string{"amqp_durable_queues = false (now true)"}, []string{"rabbit_quorum_queue = false"}},
		{"quorum queue, classic durable options", DeclareError{Kind: "queue", Arg: "x-queue-type", Current: "quorum"}, durable, probed{},
			[]string{"it is a quorum queue", "rabbit_quorum_queue = true (now false)"}, nil},
		{"classic durable queue, quorum options", DeclareError{Kind: "queue", Arg: "x-queue-type", Received: "quorum"}, quorum, probed{},
			[]string{"it is a classic queue", "rabbit_quorum_queue = false (now true)"}, nil},
		{"other delivery limit", DeclareError{Kind: "queue", Arg: "x-delivery-limit", Received: "3"}, quorum, probed{},
			[]string{"rabbit_quorum_delivery_limit = 0 (now 3)"}, nil},
		{"other memory length", DeclareError{Kind: "queue", Arg: "x-max-in-memory-length", Current: "100"}, quorum, probed{},
			[]string{"rabbit_quorum_max_memory_length = 100 (now 0)"}, nil},
		{"auto-delete", DeclareError{Kind: "queue", Arg: "auto_delete", Received: "false", Current: "true"}, none, probed{},
			[]string{"amqp_auto_delete = true (now false)"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			tt.o(&o)
			got := advice(&tt.e, o, tt.found)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q, want it to say %q", got, w)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(got, w) {
					t.Errorf("got %q, want no mention of %q", got, w)
				}
			}
		})
	}
}

// TestListenNamesTheOption: Listen over a topic that exists with other
// options names the option to change, having looked at what the topic
// queue is when the broker's answer (durable) does not settle it; the
// probe creates nothing.
func TestListenNamesTheOption(t *testing.T) {
	quorumArgs := amqp091.Table{"x-queue-type": "quorum"}
	tests := []struct {
		name            string
		exchangeDurable bool
		queueDurable    bool
		queueArgs       amqp091.Table
		o               func(*Options)
		want            []string
	}{
		{"quorum deployment, default options", true, true, quorumArgs, func(*Options) {},
			[]string{`exchange`, `queue "%s" is a quorum queue`, "rabbit_quorum_queue = true (now false)"}},
		{"durable deployment, default options", true, true, nil, func(*Options) {},
			[]string{`exchange`, `queue "%s" is a durable classic queue`, "amqp_durable_queues = true (now false)"}},
		{"default deployment, quorum options", false, false, nil, func(o *Options) { o.Queues.Quorum = true },
			[]string{`exchange`, `queue "%s" is a classic queue, not durable`, "rabbit_quorum_queue = false (now true)"}},
		{"durable deployment, quorum options", true, true, nil, func(o *Options) { o.Queues.Quorum = true },
			[]string{`queue "%s" exists with x-queue-type = none where rpcexec declared quorum`, "rabbit_quorum_queue = false (now true)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rawConn(t)
			tg, _ := testTarget(t, c)
			ch := rawChannel(t, c)
			if err := ch.ExchangeDeclare(tg.Exchange, "topic", tt.exchangeDurable, false, false, false, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := ch.QueueDeclare(tg.Topic, tt.queueDurable, false, false, false, tt.queueArgs); err != nil {
				t.Fatal(err)
			}
			o := fastOptions()
			tt.o(&o)
			r := openRabbit(t, brokerURL(t), o)
			p, err := r.Listen(context.Background(), tg, 10)
			if err == nil {
				p.Close(context.Background())
				t.Fatal("Listen: got no error, want a declaration conflict")
			}
			var de *DeclareError
			if !errors.Is(err, ErrPrecondition) || !errors.As(err, &de) {
				t.Fatalf("got %v, want a *DeclareError wrapping ErrPrecondition", err)
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "%s", tg.Topic); !strings.Contains(err.Error(), w) {
					t.Errorf("got %q, want it to say %q", err, w)
				}
			}
			// The probe left the server queue undeclared.
			if _, err := rawChannel(t, c).QueueDeclarePassive(tg.Topic+"."+tg.Server, false, false, false, false, nil); err == nil {
				t.Errorf("server queue %s exists after a failed Listen, want it never declared", tg.Topic+"."+tg.Server)
			}
		})
	}
}
