package rabbit

import (
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec/transport"
)

// declarer returns what a consumer runs on every (re)connect: it declares
// qs and returns their names to consume. When the broker refuses a
// declaration for durability, look (when not nil) is asked what the first
// queue, the topic queue, is, so the error can name the option to change.
func declarer(qs []transport.Queue, o Options, look func(queue string) queueKind) func(ch *amqp091.Channel) ([]string, error) {
	return func(ch *amqp091.Channel) ([]string, error) {
		if err := declare(ch, qs, o); err != nil {
			sharpen(err, qs[0].Name, o, look)
			return nil, err
		}
		names := make([]string, len(qs))
		for i, q := range qs {
			names[i] = q.Name
		}
		return names, nil
	}
}

// declare declares qs, their exchanges and bindings on ch. A declaration
// that conflicts with what the broker has comes back as an error naming
// the queue or exchange, the difference and the option to change.
func declare(ch *amqp091.Channel, qs []transport.Queue, o Options) error {
	done := map[string]bool{}
	for _, q := range qs {
		x := q.From
		if x.Name != "" && !done[x.Name] {
			if err := ch.ExchangeDeclare(x.Name, string(x.Kind), x.Durable, x.AutoDelete, false, false, nil); err != nil {
				return explain(err, "exchange", x.Name, o)
			}
			done[x.Name] = true
		}
		if _, err := ch.QueueDeclare(q.Name, q.Durable, q.AutoDelete, false, false, queueArgs(q)); err != nil {
			return explain(err, "queue", q.Name, o)
		}
		if x.Name != "" {
			if err := ch.QueueBind(q.Name, q.BindingKey, x.Name, false, nil); err != nil {
				return explain(err, "binding of queue", q.Name, o)
			}
		}
	}
	return nil
}

// queueArgs are q's arguments as oslo's _get_queue_arguments writes them.
func queueArgs(q transport.Queue) amqp091.Table {
	args := amqp091.Table{}
	if q.Quorum {
		args["x-queue-type"] = "quorum"
		for key, n := range map[string]int{
			"x-delivery-limit":       q.Limits.DeliveryLimit,
			"x-max-in-memory-length": q.Limits.MaxMemoryLength,
			"x-max-in-memory-bytes":  q.Limits.MaxMemoryBytes,
		} {
			if n > 0 {
				args[key] = int64(n)
			}
		}
	}
	if q.Expires > 0 {
		args["x-expires"] = int32(q.Expires.Milliseconds())
	}
	if len(args) == 0 {
		return nil
	}
	return args
}
