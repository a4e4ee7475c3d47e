package bench

import (
	"fmt"
	"slices"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/executor"
)

// Strategies measured beside rpcexec's executors: what it is compared to.
const (
	// Baseline is the raw limit of the transport for the same work, the
	// per-message reference every ratio is to: on the embedded bus a bare
	// hand-off to a consumer of the bus; on RabbitMQ, for casts, a bare
	// amqp091-go consumer acking each message, and for calls the raw
	// amqp091-go request/reply (see rawServer). Describe says which.
	Baseline = "baseline"
	// BaselineMultiple is, for casts on RabbitMQ, the bare consumer acking
	// each batch with one ack with multiple set: the cheapest acking there
	// is, printed beside the per-message baseline.
	BaselineMultiple = "baseline-multiple"
	// Oslo is oslo.messaging's own server (and client, for calls), run by
	// /usr/bin/python3 on the same broker with the same workload.
	Oslo = "oslo.messaging"
)

// Baselines are the reference strategies for w's traffic: the per-message
// baseline first.
func Baselines(w Workload) []string {
	if IsRabbit(w.URL) && w.Mode != Call {
		return []string{Baseline, BaselineMultiple}
	}
	return []string{Baseline}
}

// IsReference reports whether name is a reference strategy, not an executor.
func IsReference(name string) bool {
	return name == Baseline || name == BaselineMultiple || name == Oslo
}

// validStrategy reports whether Run knows name.
func validStrategy(name string) bool {
	return IsReference(name) || slices.Contains(executor.Names(), name)
}

// Describe says what a reference strategy measured with w is, for the
// notes under a report; "" for an executor.
func Describe(w Workload, strategy string) string {
	w = w.defaults()
	cfg, _ := w.Config()
	rabbit := IsRabbit(w.URL)
	switch {
	case strategy == Baseline && !rabbit:
		return fmt.Sprintf("baseline: the embedded bus's bare hand-off: the same publishing to a bare consumer "+
			"of the bus (prefetch %d, ack %s), with no decoding, executor or dispatch", cfg.QoS(), w.Ack)
	case strategy == Baseline && w.Mode == Call:
		return fmt.Sprintf("baseline: raw amqp091-go request/reply, publisher confirms on requests and replies: "+
			"%d callers sharing one reply queue (prefetch %d, acked with multiple) with correlation ids; "+
			"%d bare server goroutine(s) consuming with QoS %d, replying and acking %s",
			w.Publishers, rpcexec.ReplyPrefetch, w.Servers, cfg.QoS(), rawAck(w))
	case strategy == Baseline:
		return fmt.Sprintf("baseline: a bare amqp091-go consumer, QoS %d, acking each message (one basic.ack "+
			"per message)%s", cfg.QoS(), castPublishing(w))
	case strategy == BaselineMultiple:
		return fmt.Sprintf("baseline-multiple: the same bare consumer acking each batch with one basic.ack "+
			"with multiple set%s", castPublishing(w))
	case strategy == Oslo:
		return describeOslo(w)
	}
	return ""
}

func rawAck(w Workload) string {
	if w.Ack == "before" {
		return "each request on receipt"
	}
	return "each request once its reply is confirmed (ack with multiple)"
}

func castPublishing(w Workload) string {
	if w.Prefill {
		return "; the queue filled first"
	}
	return "; casts published as rpcexec's are, through its transport with publisher confirms"
}
