package transport

import (
	"time"

	"github.com/rpcexec/rpcexec/wire"
)

// TransientQueueTTL is oslo's rabbit_transient_queues_ttl default: fanout
// and reply queues whose consumer is gone for good expire after it. Those
// queues have per-process names, so no other service ever declares them and
// their TTL need not be configurable to match.
const TransientQueueTTL = 1800 * time.Second

// ExchangeKind is how an exchange routes.
type ExchangeKind string

// Exchange kinds oslo.messaging declares.
const (
	TopicExchange  ExchangeKind = "topic"
	FanoutExchange ExchangeKind = "fanout"
)

// Exchange is an exchange as oslo.messaging declares it. The zero Exchange
// is the default exchange "", which is never declared.
type Exchange struct {
	Name       string
	Kind       ExchangeKind
	Durable    bool
	AutoDelete bool
}

// Queue is a queue as oslo.messaging declares it, with the binding that
// feeds it (none for reply queues, which the default exchange reaches).
type Queue struct {
	Name       string
	Durable    bool
	AutoDelete bool
	// Quorum makes it a quorum queue (x-queue-type), with Limits.
	Quorum bool
	Limits QuorumLimits
	// Expires deletes the queue once unused that long (x-expires); 0 never.
	Expires    time.Duration
	From       Exchange
	BindingKey string
}

// QuorumLimits are the arguments oslo.messaging gives its quorum queues;
// zero values are not sent.
type QuorumLimits struct {
	DeliveryLimit   int // x-delivery-limit: rabbit_quorum_delivery_limit
	MaxMemoryLength int // x-max-in-memory-length: rabbit_quorum_max_memory_length
	MaxMemoryBytes  int // x-max-in-memory-bytes: rabbit_quorum_max_memory_bytes
}

// QueueFlags are the operator's options that change declarations. They
// must match those of the services sharing a topic, or the broker refuses
// the declaration.
type QueueFlags struct {
	Durable    bool // amqp_durable_queues
	AutoDelete bool // amqp_auto_delete
	Quorum     bool // rabbit_quorum_queue
	Limits     QuorumLimits
}

// ServerQueues are an RPC server's queues, as oslo's declare_topic_consumer
// (twice) and declare_fanout_consumer make them, in that order. Flags and
// arguments are oslo's exactly: the topic queues are shared with oslo
// services, and a queue declared again with other flags is a channel error.
// fanoutQueue names the server's own fanout queue (see FanoutQueueName).
func ServerQueues(t Subscription, fanoutQueue string, f QueueFlags) []Queue {
	// Quorum queues are durable whatever amqp_durable_queues says (oslo's
	// Connection.durable), and with them the control exchange.
	durable := f.Durable || f.Quorum
	control := Exchange{Name: t.exchange(), Kind: TopicExchange, Durable: durable, AutoDelete: f.AutoDelete}
	topic := Queue{Name: t.Topic, Durable: durable, AutoDelete: f.AutoDelete, From: control, BindingKey: t.Topic}
	if f.Quorum { // only topic queues become quorum queues in oslo
		topic.Quorum, topic.Limits = true, f.Limits
	}
	server := topic
	server.Name, server.BindingKey = t.Topic+"."+t.Server, t.Topic+"."+t.Server
	fanout := Queue{
		Name: fanoutQueue, Expires: TransientQueueTTL, BindingKey: t.Topic,
		From: Exchange{Name: FanoutExchangeName(t.Topic), Kind: FanoutExchange, AutoDelete: true},
	}
	return []Queue{topic, server, fanout}
}

// ReplyQueues is a caller's reply queue, as oslo's declare_direct_consumer
// makes it: not durable, not auto-delete, expiring when unused.
func ReplyQueues(name string) []Queue {
	return []Queue{{Name: name, Expires: TransientQueueTTL}}
}

// FanoutQueueName draws a name for one server's fanout queue, as oslo does.
func FanoutQueueName(topic string) string { return FanoutExchangeName(topic) + "_" + wire.NewID() }

// ReplyQueueName draws a name for a caller's reply queue, as oslo does.
func ReplyQueueName() string { return "reply_" + wire.NewID() }

// FanoutExchangeName is the name of a topic's fanout exchange.
func FanoutExchangeName(topic string) string { return topic + "_fanout" }
