package rabbit

import (
	"log/slog"
	"time"

	"github.com/rpcexec/rpcexec/heartbeat"
	"github.com/rpcexec/rpcexec/transport"
)

// Options are the transport settings that do not fit in the URL. Their
// names follow oslo.messaging's options. Start from DefaultOptions and
// change what you need: a field whose zero value would mean nothing
// (HeartbeatRate, RetryInterval, IntervalMax, FailoverStrategy,
// ConnPoolSize, Logger) takes its default when zero; every other field
// means what it says at zero (Heartbeat 0: no heartbeats, PublishRetry 0:
// no retries, RetryBackoff 0: a constant interval). Options in the URL's
// query (oslo's names, e.g. ?ssl=true) override these, as in oslo.
type Options struct {
	// Heartbeat is heartbeat_timeout_threshold: how long a silent connection
	// is believed alive. 0 asks the broker for no heartbeats (see heartbeat
	// in dial.go for what amqp091 makes of that).
	Heartbeat time.Duration
	// HeartbeatRate is heartbeat_rate.
	HeartbeatRate int

	RetryInterval    time.Duration // rabbit_retry_interval: first reconnect delay
	RetryBackoff     time.Duration // rabbit_retry_backoff: added per failed attempt
	IntervalMax      time.Duration // rabbit_interval_max: delay ceiling
	MaxRetries       int           // rabbit_max_retries: reconnects before a poller gives up; 0 retries forever
	FailoverStrategy string        // kombu_failover_strategy: "round-robin" or "shuffle"

	// Queues are amqp_durable_queues, amqp_auto_delete, rabbit_quorum_queue
	// and the quorum limits: they must match the services sharing a topic.
	Queues transport.QueueFlags

	// PublishRetry is how often a publish is retried through an outage:
	// -1 forever, 0 never, N times.
	PublishRetry int
	ConnPoolSize int // rpc_conn_pool_size: publishing connections

	TLS TLSOptions

	Logger *slog.Logger
}

// TLSOptions configure amqps:// (or ssl=true). Server certificates are
// verified unless InsecureSkipVerify is set.
type TLSOptions struct {
	Enabled            bool   // ssl
	CAFile             string // ssl_ca_file
	CertFile           string // ssl_cert_file
	KeyFile            string // ssl_key_file
	ServerName         string // overrides the host name verified
	InsecureSkipVerify bool   // for tests only; logged when set
}

// DefaultOptions returns oslo.messaging's defaults; rpcexec.DefaultConfig
// takes its RabbitMQ defaults from here.
func DefaultOptions() Options {
	return Options{
		Heartbeat: heartbeat.DefaultThreshold, HeartbeatRate: heartbeat.DefaultRate,
		RetryInterval: time.Second, RetryBackoff: 2 * time.Second, IntervalMax: 30 * time.Second,
		FailoverStrategy: "round-robin", PublishRetry: -1, ConnPoolSize: 30,
		Logger: slog.Default(),
	}
}

// silence is how long a consumer's connection may hear nothing before the
// heartbeat check declares it dead: the threshold less one check interval
// (see brokerHeartbeat), and never under 3/4 of the threshold, well above
// the half threshold a live broker may stay quiet; 0 without heartbeats.
func (o Options) silence() time.Duration {
	interval := o.checkInterval()
	if interval == 0 {
		return 0
	}
	return max(o.Heartbeat-interval, o.Heartbeat*3/4)
}

// checkInterval is the listener's heartbeat check interval,
// threshold/rate/2; 0 without heartbeats. A consumer verifies its queues
// as often.
func (o Options) checkInterval() time.Duration {
	interval, err := heartbeat.Interval(o.Heartbeat, o.HeartbeatRate)
	if err != nil {
		return 0
	}
	return interval
}
