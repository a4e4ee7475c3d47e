package rabbit

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// ErrPrecondition is wrapped by errors about a queue or exchange that
// exists on the broker with other flags or arguments than rpcexec
// declares: usually services sharing it run with other options.
var ErrPrecondition = errors.New("rabbit: declaration conflicts with the broker")

// DeclareError is a declaration the broker refused (406
// PRECONDITION_FAILED) because a queue or exchange of that name exists
// with other flags or arguments. It says what differs, as the broker
// reported it, and which option makes rpcexec declare what exists. It
// wraps ErrPrecondition and the broker's *amqp091.Error.
type DeclareError struct {
	Kind string // "queue", "exchange" or "binding of queue"
	Name string
	// Arg is what differs: durable, auto_delete, type, x-queue-type,
	// x-delivery-limit, x-expires…; "" when the broker did not say.
	Arg string
	// Received is what rpcexec declared and Current what the broker has,
	// as the broker wrote them ("true", "quorum"); "" is none.
	Received, Current string
	// Advice names the option to change, and its value.
	Advice string
	Err    *amqp091.Error
}

func (e *DeclareError) Error() string {
	what := "a different " + e.Arg
	switch {
	case e.Arg == "":
		what = "other arguments"
	case e.Received != "" || e.Current != "":
		what = fmt.Sprintf("%s = %s where rpcexec declared %s", e.Arg, orNone(e.Current), orNone(e.Received))
	}
	return fmt.Sprintf("%v: %s %q exists with %s; %s: %v", ErrPrecondition, e.Kind, e.Name, what, e.Advice, e.Err)
}

// Unwrap makes errors.Is(err, ErrPrecondition) and errors.As(err,
// **amqp091.Error) work.
func (e *DeclareError) Unwrap() []error { return []error{ErrPrecondition, e.Err} }

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

// inequivalent parses RabbitMQ's PRECONDITION_FAILED reason, e.g.
// "inequivalent arg 'durable' for queue 'compute' in vhost '/': received
// 'false' but current is 'true'" or "... received none but current is
// the value 'quorum' of type 'longstr'".
var (
	inequivalent    = regexp.MustCompile(`inequivalent arg '([^']+)'.*: received (.+) but current is (.+)$`)
	inequivalentArg = regexp.MustCompile(`inequivalent arg '([^']+)'`)
)

// brokerValue reads one side of the reason: 'x', the value 'x' of type
// 't', or none ("").
var brokerValue = regexp.MustCompile(`^(?:the value )?'([^']*)'`)

func parseValue(s string) string {
	if m := brokerValue.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		return m[1]
	}
	return ""
}

// explain turns a failed declaration of kind ("queue", "exchange", …)
// name into an error that says what to do about it: a *DeclareError for a
// conflict with what exists, the error wrapped with what was declared
// otherwise.
func explain(err error, kind, name string, o Options) error {
	var ae *amqp091.Error
	if !errors.As(err, &ae) || ae.Code != amqp091.PreconditionFailed {
		return fmt.Errorf("rabbit: declaring %s %q: %w", kind, name, err)
	}
	e := &DeclareError{Kind: kind, Name: name, Err: ae}
	e.Arg, e.Received, e.Current = parseReason(ae.Reason)
	e.Advice = advice(e, o, probed{})
	return e
}

// parseReason reads the differing argument and its two values from a
// PRECONDITION_FAILED reason.
func parseReason(reason string) (arg, received, current string) {
	if m := inequivalent.FindStringSubmatch(reason); m != nil {
		return m[1], parseValue(m[2]), parseValue(m[3])
	}
	if m := inequivalentArg.FindStringSubmatch(reason); m != nil {
		return m[1], "", ""
	}
	return "", "", ""
}

// queueKind is what a probe found a topic queue to be (see probe.go).
type queueKind uint8

const (
	unknownQueue queueKind = iota // not probed, absent, or the probe failed
	classicQueue                  // classic, not durable: oslo's defaults
	durableQueue                  // classic and durable: amqp_durable_queues
	quorumQueue                   // quorum: rabbit_quorum_queue
)

// probed is what a probe found: the kind of the topic queue queue.
type probed struct {
	queue string
	kind  queueKind
}

// quorumLimit names the option behind each quorum queue argument.
var quorumLimit = map[string]string{
	"x-delivery-limit":       "rabbit_quorum_delivery_limit",
	"x-max-in-memory-length": "rabbit_quorum_max_memory_length",
	"x-max-in-memory-bytes":  "rabbit_quorum_max_memory_bytes",
}

// Wording shared by several pieces of advice.
const (
	alike   = " as the services sharing it do"
	moveAll = "; a queue changes type only when deleted and declared afresh, so move every service of the topic at once"
)

// advice names the option that makes rpcexec declare what the broker has,
// from the differing argument and both its values, o, and, for a conflict
// the argument alone does not settle (durability: quorum queues and
// durable classic queues are both durable, and so is the control exchange
// of either), what a probe found the topic queue to be.
func advice(e *DeclareError, o Options, found probed) string {
	afresh := fmt.Sprintf(", or delete the %s so that it is declared afresh", e.Kind)
	switch e.Arg {
	case "durable":
		if e.Current == "false" { // oslo's defaults: classic, not durable
			set := "set rabbit_quorum_queue = false (now true)"
			switch {
			case o.Queues.Quorum && o.Queues.Durable:
				set += " and amqp_durable_queues = false (now true)"
			case !o.Queues.Quorum:
				set = "set amqp_durable_queues = false (now true)"
			}
			if found.kind == classicQueue {
				return fmt.Sprintf("queue %q is a classic queue, not durable: %s%s", found.queue, set, alike) + moveAll
			}
			return "it is not durable, so the services sharing it run without rabbit_quorum_queue and amqp_durable_queues: " +
				set + afresh
		}
		switch found.kind {
		case quorumQueue:
			return fmt.Sprintf("queue %q is a quorum queue: set rabbit_quorum_queue = true (now false)%s", found.queue, alike)
		case durableQueue:
			return fmt.Sprintf("queue %q is a durable classic queue: set amqp_durable_queues = true (now false)%s", found.queue, alike)
		}
		return "it is durable: set rabbit_quorum_queue = true if the services sharing it use quorum queues, " +
			"else amqp_durable_queues = true (both now false)"
	case "auto_delete":
		return fmt.Sprintf("set amqp_auto_delete = %v (now %v)%s%s", !o.Queues.AutoDelete, o.Queues.AutoDelete, alike, afresh)
	case "x-queue-type":
		if e.Current == "quorum" {
			return "it is a quorum queue: set rabbit_quorum_queue = true (now false)" + alike
		}
		return fmt.Sprintf("it is a %s queue: set rabbit_quorum_queue = false (now true)%s%s", orDefault(e.Current, "classic"), alike, moveAll)
	case "x-delivery-limit", "x-max-in-memory-length", "x-max-in-memory-bytes":
		return fmt.Sprintf("set %s = %s (now %s)%s%s", quorumLimit[e.Arg], orDefault(e.Current, "0"), orDefault(e.Received, "0"), alike, afresh)
	case "x-expires":
		return "rpcexec declares oslo's rabbit_transient_queues_ttl (1800 s) on fanout and reply queues only; " +
			"a client with another TTL declared it"
	case "type":
		return "another application declared it with another exchange type"
	}
	return "declare it as the services sharing it do" + afresh
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// probeType is an x-queue-type no broker supports: a declaration with it
// creates nothing, and for a queue that exists the broker answers with
// its durability or its type.
const probeType = "rpcexec-probe"

// probeTimeout bounds a probe: it runs once, after a failed declaration.
const probeTimeout = 5 * time.Second

// probe finds out what queue is on the broker, over a connection of its
// own from d, with one declaration that cannot create anything: durable
// with an unsupported x-queue-type. The broker checks durability, then the
// type, and names what it has. Anything else (no such queue, a broker
// that does not answer) is unknownQueue.
func probe(ctx context.Context, d *dialer, queue string) queueKind {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	conn, _, err := d.dial(ctx)
	if err != nil {
		return unknownQueue
	}
	defer func() { _ = conn.closeWithin(ctx) }()
	stop := conn.bound(ctx)
	defer stop()
	ch, err := conn.Channel()
	if err != nil {
		return unknownQueue
	}
	_, err = ch.QueueDeclare(queue, true, false, false, false, amqp091.Table{"x-queue-type": probeType})
	var ae *amqp091.Error
	if err == nil || !errors.As(err, &ae) || ae.Code != amqp091.PreconditionFailed {
		return unknownQueue // err == nil cannot happen: no broker knows probeType
	}
	switch arg, _, current := parseReason(ae.Reason); {
	case arg == "durable" && current == "false":
		return classicQueue
	case arg == "x-queue-type" && current == "quorum":
		return quorumQueue
	case arg == "x-queue-type" && (current == "" || current == "classic"):
		return durableQueue
	}
	return unknownQueue
}

// sharpen improves the advice of a durability conflict, which the
// argument alone does not settle, with what look finds queue (the topic
// queue) to be. It changes err itself, before anything wraps it.
func sharpen(err error, queue string, o Options, look func(queue string) queueKind) {
	var e *DeclareError
	if look == nil || !errors.As(err, &e) || e.Arg != "durable" {
		return
	}
	if kind := look(queue); kind != unknownQueue {
		e.Advice = advice(e, o, probed{queue: queue, kind: kind})
	}
}
