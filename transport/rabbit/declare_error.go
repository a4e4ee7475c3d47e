package rabbit

import (
	"errors"
	"fmt"
	"regexp"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// ErrPrecondition is wrapped by errors about a queue or exchange that
// exists on the broker with other flags or arguments than rpcexec
// declares: usually services sharing it run with other options.
var ErrPrecondition = errors.New("rabbit: declaration conflicts with the broker")

// inequivalent finds the argument in RabbitMQ's PRECONDITION_FAILED reason,
// e.g. "inequivalent arg 'durable' for queue 'compute' in vhost '/': ...".
var inequivalent = regexp.MustCompile(`inequivalent arg '([^']+)'`)

// explain turns a failed declaration of kind ("queue", "exchange", …)
// name into an error that says what to do about it.
func explain(err error, kind, name string, o Options) error {
	var ae *amqp091.Error
	if !errors.As(err, &ae) || ae.Code != amqp091.PreconditionFailed {
		return fmt.Errorf("rabbit: declaring %s %q: %w", kind, name, err)
	}
	arg := "argument"
	if m := inequivalent.FindStringSubmatch(ae.Reason); m != nil {
		arg = m[1]
	}
	return fmt.Errorf("%w: %s %q exists with a different %s; %s, or delete the %s so it is declared afresh: %w",
		ErrPrecondition, kind, name, arg, advice(arg, o), kind, ae)
}

// advice names the option that decides arg.
func advice(arg string, o Options) string {
	switch arg {
	case "durable":
		if o.Queues.Quorum {
			return "rabbit_quorum_queue (now true) makes queues durable; set it and amqp_durable_queues as the services sharing it do"
		}
		return fmt.Sprintf("set amqp_durable_queues (now %v) as the services sharing it do", o.Queues.Durable)
	case "auto_delete":
		return fmt.Sprintf("set amqp_auto_delete (now %v) as the services sharing it do", o.Queues.AutoDelete)
	case "x-queue-type":
		return fmt.Sprintf("set rabbit_quorum_queue (now %v) as the services sharing it do", o.Queues.Quorum)
	case "x-expires":
		return "rpcexec declares oslo's rabbit_transient_queues_ttl (1800 s) on fanout and reply queues only; " +
			"a client with another TTL declared it"
	case "type":
		return "another application declared it with another exchange type"
	}
	return "declare it as the services sharing it do"
}
