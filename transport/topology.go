package transport

import (
	amqp091 "github.com/rabbitmq/amqp091-go"
)

// transientTTL is oslo's rabbit_transient_queues_ttl default (1800 s) as
// the x-expires of fanout and reply queues, in ms: a queue whose consumer
// is gone for good disappears after half an hour. Those queues have
// per-process names, so no other service ever declares them and their TTL
// need not be configurable to match.
const transientTTL = int32(1800 * 1000)

// exchange is an exchange as oslo.messaging declares it. The default
// exchange "" is never declared.
type exchange struct {
	name              string
	kind              string // topic or fanout
	durable, autoDrop bool
}

// queue is a queue as oslo.messaging declares it, with the binding that
// feeds it (none for reply queues, which the default exchange reaches).
type queue struct {
	name              string
	durable, autoDrop bool
	args              amqp091.Table
	from              exchange
	key               string
}

// serverQueues are an RPC server's queues, as oslo's
// declare_topic_consumer (twice) and declare_fanout_consumer make them.
// Flags and arguments must match oslo's exactly: the topic queues are
// shared with oslo services, and a queue redeclared with other flags or
// arguments is a channel error.
func serverQueues(t Target, fanoutQueue string, o Options) []queue {
	// Quorum queues are durable whatever amqp_durable_queues says (oslo's
	// Connection.durable), and with them the control exchange.
	durable := o.DurableQueues || o.QuorumQueues
	control := exchange{name: TopicAddress(t.Exchange, t.Topic, "").Exchange, kind: "topic",
		durable: durable, autoDrop: o.AutoDelete}
	var topicArgs amqp091.Table
	if o.QuorumQueues { // only topic queues become quorum queues in oslo
		topicArgs = amqp091.Table{"x-queue-type": "quorum"}
	}
	server := t.Topic + "." + t.Server
	return []queue{
		{name: t.Topic, durable: durable, autoDrop: o.AutoDelete, args: topicArgs, from: control, key: t.Topic},
		{name: server, durable: durable, autoDrop: o.AutoDelete, args: topicArgs, from: control, key: server},
		{
			name: fanoutQueue, args: amqp091.Table{"x-expires": transientTTL},
			from: exchange{name: FanoutExchange(t.Topic), kind: "fanout", autoDrop: true},
			key:  t.Topic,
		},
	}
}

// replyQueue is a caller's reply queue, as oslo's declare_direct_consumer
// makes it: not durable, not auto-delete, expiring when unused.
func replyQueue(name string) []queue {
	return []queue{{name: name, args: amqp091.Table{"x-expires": transientTTL}}}
}

// declarer returns a poller/amqp Declarer for qs: it declares them (again,
// after every reconnect) and returns their names to consume.
func declarer(qs []queue, o Options) func(ch *amqp091.Channel) ([]string, error) {
	return func(ch *amqp091.Channel) ([]string, error) {
		if err := declare(ch, qs, o); err != nil {
			return nil, err
		}
		names := make([]string, len(qs))
		for i, q := range qs {
			names[i] = q.name
		}
		return names, nil
	}
}

// declare declares qs, their exchanges and bindings on ch. A declaration
// that conflicts with what the broker has comes back as an error naming
// the queue or exchange, the difference and the option to change.
func declare(ch *amqp091.Channel, qs []queue, o Options) error {
	done := map[string]bool{}
	for _, q := range qs {
		x := q.from
		if x.name != "" && !done[x.name] {
			if err := ch.ExchangeDeclare(x.name, x.kind, x.durable, x.autoDrop, false, false, nil); err != nil {
				return explain(err, "exchange", x.name, o)
			}
			done[x.name] = true
		}
		if _, err := ch.QueueDeclare(q.name, q.durable, q.autoDrop, false, false, q.args); err != nil {
			return explain(err, "queue", q.name, o)
		}
		if x.name != "" {
			if err := ch.QueueBind(q.name, q.key, x.name, false, nil); err != nil {
				return explain(err, "binding of queue", q.name, o)
			}
		}
	}
	return nil
}
