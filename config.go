package rpcexec

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/listener"
	"github.com/rpcexec/rpcexec/request"
	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/transport/rabbit"
)

// ErrInvalidConfig is wrapped by every configuration error.
var ErrInvalidConfig = errors.New("rpcexec: invalid configuration")

// Config is what an operator sets. Keys carry oslo.messaging's option names
// and defaults where such an option exists, so settings carry over; the
// others are rpcexec's own. See DefaultConfig, LoadConfigFiles and Validate.
type Config struct {
	// TransportURL says where messages travel: memory://[name] (the
	// embedded bus, the default), rabbit://, amqp:// or amqps://.
	TransportURL string `yaml:"transport_url" json:"transport_url"`
	// ControlExchange is the topic exchange of RPC servers.
	ControlExchange string `yaml:"control_exchange" json:"control_exchange"`

	// Executor is where messages are handled: blocking, goroutine or pool.
	Executor string `yaml:"executor" json:"executor"`
	// ExecutorThreadPoolSize is the pool executor's number of workers.
	ExecutorThreadPoolSize int `yaml:"executor_thread_pool_size" json:"executor_thread_pool_size"`
	// PrefetchCount is rabbit_qos_prefetch_count: the prefetch of each
	// consumer and the server's in-flight bound (see QoS and InFlight); 0
	// derives both from the executor.
	PrefetchCount int `yaml:"rabbit_qos_prefetch_count" json:"rabbit_qos_prefetch_count"`
	// AckPolicy is "after" (at-least-once) or "before" (at-most-once).
	AckPolicy string `yaml:"ack_policy" json:"ack_policy"`
	// PollTimeout bounds one poll of the listener loop.
	PollTimeout Duration `yaml:"poll_timeout" json:"poll_timeout"`
	// DedupCacheSize is how many recent message ids are remembered to drop
	// redeliveries; 0 disables deduplication.
	DedupCacheSize int `yaml:"dedup_cache_size" json:"dedup_cache_size"`

	// RPCResponseTimeout is how long a call waits for its reply.
	RPCResponseTimeout Duration `yaml:"rpc_response_timeout" json:"rpc_response_timeout"`
	// HeartbeatTimeoutThreshold is how long a silent connection is believed
	// alive; 0 disables heartbeats.
	HeartbeatTimeoutThreshold Duration `yaml:"heartbeat_timeout_threshold" json:"heartbeat_timeout_threshold"`
	// HeartbeatRate is how many checks happen within the threshold.
	HeartbeatRate int `yaml:"heartbeat_rate" json:"heartbeat_rate"`

	// MaxMessageSize bounds a request body in bytes; a larger one is
	// rejected (dead-lettered where the queue has a dead-letter exchange).
	MaxMessageSize int `yaml:"max_message_size" json:"max_message_size"`
	// MaxInFlightBytes bounds the request bodies a server handles at once
	// (about twice that in memory, with decoding): the listener polls no
	// more while they add up to it. 0 is no bound.
	MaxInFlightBytes int `yaml:"max_in_flight_bytes" json:"max_in_flight_bytes"`
	// SendTracebacks sends the Go stack of an endpoint panic to the caller
	// in the failure reply, as oslo sends Python tracebacks. Off by default:
	// the stack goes to the server's log, and a caller learns only the
	// panic value.
	SendTracebacks bool `yaml:"send_tracebacks" json:"send_tracebacks"`
	// MaxDeliveries bounds how often one message is delivered when the
	// transport counts deliveries (the embedded bus, quorum queues); past
	// it the message is rejected instead of handled again. 0 is no bound.
	MaxDeliveries int `yaml:"max_deliveries" json:"max_deliveries"`

	// RabbitMQ connection life.
	RabbitRetryInterval   Duration `yaml:"rabbit_retry_interval" json:"rabbit_retry_interval"`
	RabbitRetryBackoff    Duration `yaml:"rabbit_retry_backoff" json:"rabbit_retry_backoff"`
	RabbitIntervalMax     Duration `yaml:"rabbit_interval_max" json:"rabbit_interval_max"`
	RabbitMaxRetries      int      `yaml:"rabbit_max_retries" json:"rabbit_max_retries"`
	KombuFailoverStrategy string   `yaml:"kombu_failover_strategy" json:"kombu_failover_strategy"`
	// PublishRetry is how often a publish is retried through an outage:
	// -1 forever, 0 never, N times (oslo's per-call retry).
	PublishRetry    int `yaml:"publish_retry" json:"publish_retry"`
	RPCConnPoolSize int `yaml:"rpc_conn_pool_size" json:"rpc_conn_pool_size"`

	// RabbitMQ queues, as oslo.messaging declares them: they must match the
	// services sharing a topic.
	AMQPDurableQueues bool `yaml:"amqp_durable_queues" json:"amqp_durable_queues"`
	AMQPAutoDelete    bool `yaml:"amqp_auto_delete" json:"amqp_auto_delete"`
	RabbitQuorumQueue bool `yaml:"rabbit_quorum_queue" json:"rabbit_quorum_queue"`
	// Quorum queue arguments (0: not set). The delivery limit makes the
	// broker drop or dead-letter a message delivered that often, across
	// processes: what bounds a message that crashes every server.
	RabbitQuorumDeliveryLimit   int `yaml:"rabbit_quorum_delivery_limit" json:"rabbit_quorum_delivery_limit"`
	RabbitQuorumMaxMemoryLength int `yaml:"rabbit_quorum_max_memory_length" json:"rabbit_quorum_max_memory_length"`
	RabbitQuorumMaxMemoryBytes  int `yaml:"rabbit_quorum_max_memory_bytes" json:"rabbit_quorum_max_memory_bytes"`

	// TLS (amqps:// or ssl = true); server certificates are verified.
	SSL         bool   `yaml:"ssl" json:"ssl"`
	SSLCAFile   string `yaml:"ssl_ca_file" json:"ssl_ca_file"`
	SSLCertFile string `yaml:"ssl_cert_file" json:"ssl_cert_file"`
	SSLKeyFile  string `yaml:"ssl_key_file" json:"ssl_key_file"`

	// Logger receives log lines; slog.Default() when nil. Not loaded.
	Logger *slog.Logger `yaml:"-" json:"-"`

	notes *configNotes // from LoadConfigFiles; see Notes
}

// DefaultConfig returns oslo.messaging's defaults, on the embedded bus.
// Each default has one owner: the executor, listener, request path and
// RabbitMQ packages own theirs.
func DefaultConfig() Config {
	r := rabbit.DefaultOptions()
	return Config{
		TransportURL:              "memory://",
		ControlExchange:           transport.DefaultExchange,
		Executor:                  executor.Pool,
		ExecutorThreadPoolSize:    executor.DefaultPoolSize,
		AckPolicy:                 listener.AckAfter.String(),
		PollTimeout:               Duration(listener.DefaultPollTimeout),
		DedupCacheSize:            request.DefaultDedupSize,
		RPCResponseTimeout:        Duration(60 * time.Second),
		HeartbeatTimeoutThreshold: Duration(r.Heartbeat),
		HeartbeatRate:             r.HeartbeatRate,
		MaxMessageSize:            request.DefaultMaxMessageSize,
		MaxDeliveries:             request.DefaultMaxDeliveries,
		MaxInFlightBytes:          4 * request.DefaultMaxMessageSize,
		RabbitRetryInterval:       Duration(r.RetryInterval),
		RabbitRetryBackoff:        Duration(r.RetryBackoff),
		RabbitIntervalMax:         Duration(r.IntervalMax),
		RabbitMaxRetries:          r.MaxRetries,
		KombuFailoverStrategy:     r.FailoverStrategy,
		PublishRetry:              r.PublishRetry,
		RPCConnPoolSize:           r.ConnPoolSize,
	}
}

// Validate checks every value and the rules between them. Each problem
// names the key, the value and what is allowed; all problems are reported.
// The rules of the transport's options are the RabbitMQ package's
// (rabbit.Options.Validate), checked whatever the transport URL says, so a
// configuration does not turn invalid when it moves to a broker.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key string, value any, allowed string) {
		errs = append(errs, fmt.Errorf("%w: %s = %v: %s", ErrInvalidConfig, key, value, allowed))
	}
	if _, err := transport.ParseURL(c.TransportURL); err != nil {
		errs = append(errs, fmt.Errorf("%w: transport_url: %w", ErrInvalidConfig, err))
	}
	if c.ControlExchange == "" {
		bad("control_exchange", `""`, "want an exchange name such as openstack")
	}
	if !slices.Contains(executor.Names(), c.Executor) {
		bad("executor", fmt.Sprintf("%q", c.Executor), "want one of "+strings.Join(executor.Names(), ", "))
	}
	if c.ExecutorThreadPoolSize <= 0 {
		bad("executor_thread_pool_size", c.ExecutorThreadPoolSize, "want > 0")
	}
	if c.PrefetchCount < 0 || c.PrefetchCount > math.MaxUint16 {
		bad("rabbit_qos_prefetch_count", c.PrefetchCount, "want 0 (derived from the executor) to 65535")
	} else if c.Executor == executor.Pool && c.PrefetchCount > 0 && c.PrefetchCount < c.ExecutorThreadPoolSize {
		bad("rabbit_qos_prefetch_count", c.PrefetchCount, fmt.Sprintf(
			"want ≥ executor_thread_pool_size (%d) so no worker idles, or 0", c.ExecutorThreadPoolSize))
	}
	if _, err := listener.ParseAckPolicy(c.AckPolicy); err != nil {
		bad("ack_policy", fmt.Sprintf("%q", c.AckPolicy), `want "after" (at-least-once) or "before" (at-most-once)`)
	}
	if c.PollTimeout <= 0 {
		bad("poll_timeout", c.PollTimeout, "want > 0, such as 1s")
	}
	if c.DedupCacheSize < 0 {
		bad("dedup_cache_size", c.DedupCacheSize, "want ≥ 0 (0 disables deduplication)")
	}
	if c.RPCResponseTimeout <= 0 {
		bad("rpc_response_timeout", c.RPCResponseTimeout, "want > 0, such as 60")
	}
	if c.MaxMessageSize <= 0 {
		bad("max_message_size", c.MaxMessageSize, "want > 0 bytes")
	}
	if c.MaxInFlightBytes < 0 {
		bad("max_in_flight_bytes", c.MaxInFlightBytes, "want ≥ 0 bytes (0 is no bound)")
	}
	if c.MaxDeliveries < 0 {
		bad("max_deliveries", c.MaxDeliveries, "want ≥ 0 (0 is no bound)")
	}
	if err := c.rabbitOptions().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrInvalidConfig, err))
	}
	return errors.Join(errs...)
}

// InFlight bounds the messages a server has received and not yet settled:
// those running and those waiting for the executor. It is
// rabbit_qos_prefetch_count when set; otherwise twice the executor's
// concurrency (executor_thread_pool_size, or its default for the other
// executors), so that a worker that finishes finds its next task waiting.
func (c *Config) InFlight() int {
	if c.PrefetchCount > 0 {
		return c.PrefetchCount
	}
	if c.Executor == executor.Pool {
		return 2 * c.ExecutorThreadPoolSize
	}
	return 2 * executor.DefaultPoolSize
}

// QoS is the prefetch each consumer asks of the transport (basic.qos on
// RabbitMQ, per consumer as oslo sets it; the same on the embedded bus):
// rabbit_qos_prefetch_count when set, as in oslo; otherwise twice
// InFlight, so the message that follows a finished one is already in the
// process rather than an ack-to-delivery round trip away (the goroutine
// executor with 10 ms tasks ran at 0.76 of its limit without this, 0.92
// with it). A server holds at most 3 × QoS messages (three consumers) and
// handles at most InFlight of them.
func (c *Config) QoS() int {
	if c.PrefetchCount > 0 {
		return c.PrefetchCount
	}
	return min(2*c.InFlight(), math.MaxUint16)
}

func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}
