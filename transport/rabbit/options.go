package rabbit

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/rpcexec/rpcexec/heartbeat"
	"github.com/rpcexec/rpcexec/internal/osloconf"
)

// ErrBadOptions is wrapped by every error about Options or URL options.
var ErrBadOptions = errors.New("rabbit: bad options")

// Failover strategies, as kombu_failover_strategy names them.
const (
	RoundRobin = "round-robin"
	Shuffle    = "shuffle"
)

// resolve fills the zero fields that have no meaning of their own from
// DefaultOptions, applies the URL's query over the result (oslo lets the
// transport.URL override any driver option) and checks the outcome.
func resolve(o Options, q url.Values) (Options, error) {
	def := DefaultOptions()
	if o.HeartbeatRate == 0 {
		o.HeartbeatRate = def.HeartbeatRate
	}
	if o.RetryInterval == 0 {
		o.RetryInterval = def.RetryInterval
	}
	if o.IntervalMax == 0 {
		o.IntervalMax = def.IntervalMax
	}
	if o.FailoverStrategy == "" {
		o.FailoverStrategy = def.FailoverStrategy
	}
	if o.ConnPoolSize == 0 {
		o.ConnPoolSize = def.ConnPoolSize
	}
	if o.Logger == nil {
		o.Logger = def.Logger
	}
	if err := applyQuery(&o, q); err != nil {
		return o, err
	}
	return o, o.Validate()
}

// Validate checks every option; each problem names the option, its value
// and what is allowed, and all of them are reported. rpcexec.Config's
// validation of these options is this one.
func (o Options) Validate() error {
	var errs []error
	bad := func(name string, v any, want string) {
		errs = append(errs, fmt.Errorf("%w: %s = %v: %s", ErrBadOptions, name, v, want))
	}
	if _, err := heartbeat.Interval(o.Heartbeat, o.HeartbeatRate); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrBadOptions, err))
	}
	if o.RetryInterval <= 0 {
		bad("rabbit_retry_interval", o.RetryInterval, "want > 0, such as 1")
	}
	if o.RetryBackoff < 0 {
		bad("rabbit_retry_backoff", o.RetryBackoff, "want ≥ 0, such as 2")
	}
	if o.IntervalMax < o.RetryInterval {
		bad("rabbit_interval_max", o.IntervalMax, "want ≥ rabbit_retry_interval")
	}
	if o.MaxRetries < 0 {
		bad("rabbit_max_retries", o.MaxRetries, "want ≥ 0 (0 retries forever)")
	}
	if o.FailoverStrategy != RoundRobin && o.FailoverStrategy != Shuffle {
		bad("kombu_failover_strategy", strconv.Quote(o.FailoverStrategy), `want "round-robin" or "shuffle"`)
	}
	if o.PublishRetry < -1 {
		bad("publish_retry", o.PublishRetry, "want -1 (forever), 0 (never) or a number of retries")
	}
	if o.ConnPoolSize <= 0 {
		bad("rpc_conn_pool_size", o.ConnPoolSize, "want > 0")
	}
	if o.Queues.Quorum && o.Queues.AutoDelete {
		bad("amqp_auto_delete", true, "quorum queues (rabbit_quorum_queue) cannot auto-delete; unset one")
	}
	for name, n := range map[string]int{
		"rabbit_quorum_delivery_limit":    o.Queues.Limits.DeliveryLimit,
		"rabbit_quorum_max_memory_length": o.Queues.Limits.MaxMemoryLength,
		"rabbit_quorum_max_memory_bytes":  o.Queues.Limits.MaxMemoryBytes,
	} {
		if n < 0 {
			bad(name, n, "want ≥ 0 (0: no limit)")
		}
	}
	return errors.Join(errs...)
}

// queryOptions are the oslo.messaging options a transport URL may carry,
// each with how it sets Options.
var queryOptions = map[string]func(o *Options, v string) error{
	"ssl":                             boolOpt(func(o *Options) *bool { return &o.TLS.Enabled }),
	"ssl_ca_file":                     func(o *Options, v string) error { o.TLS.CAFile = v; return nil },
	"ssl_cert_file":                   func(o *Options, v string) error { o.TLS.CertFile = v; return nil },
	"ssl_key_file":                    func(o *Options, v string) error { o.TLS.KeyFile = v; return nil },
	"heartbeat_timeout_threshold":     secondsOpt(func(o *Options) *time.Duration { return &o.Heartbeat }),
	"heartbeat_rate":                  intOpt(func(o *Options) *int { return &o.HeartbeatRate }),
	"rabbit_retry_interval":           secondsOpt(func(o *Options) *time.Duration { return &o.RetryInterval }),
	"rabbit_retry_backoff":            secondsOpt(func(o *Options) *time.Duration { return &o.RetryBackoff }),
	"rabbit_interval_max":             secondsOpt(func(o *Options) *time.Duration { return &o.IntervalMax }),
	"kombu_failover_strategy":         func(o *Options, v string) error { o.FailoverStrategy = v; return nil },
	"amqp_durable_queues":             boolOpt(func(o *Options) *bool { return &o.Queues.Durable }),
	"amqp_auto_delete":                boolOpt(func(o *Options) *bool { return &o.Queues.AutoDelete }),
	"rabbit_quorum_queue":             boolOpt(func(o *Options) *bool { return &o.Queues.Quorum }),
	"rpc_conn_pool_size":              intOpt(func(o *Options) *int { return &o.ConnPoolSize }),
	"rabbit_quorum_delivery_limit":    intOpt(func(o *Options) *int { return &o.Queues.Limits.DeliveryLimit }),
	"rabbit_quorum_max_memory_length": intOpt(func(o *Options) *int { return &o.Queues.Limits.MaxMemoryLength }),
	"rabbit_quorum_max_memory_bytes":  intOpt(func(o *Options) *int { return &o.Queues.Limits.MaxMemoryBytes }),
	// oslo.messaging 14.0.3's own spelling of the two above.
	"rabbit_quroum_max_memory_length": intOpt(func(o *Options) *int { return &o.Queues.Limits.MaxMemoryLength }),
	"rabbit_quroum_max_memory_bytes":  intOpt(func(o *Options) *int { return &o.Queues.Limits.MaxMemoryBytes }),
}

// applyQuery sets o from the URL's query. Names rpcexec does not know are
// logged and ignored, so URLs written for oslo keep working.
func applyQuery(o *Options, q url.Values) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(q)) {
		set, ok := queryOptions[name]
		if !ok {
			o.Logger.Warn("rabbit: URL option not supported by rpcexec; ignored", "option", name)
			continue
		}
		if err := set(o, q.Get(name)); err != nil {
			errs = append(errs, fmt.Errorf("%w: URL option %s=%q: %v", ErrBadOptions, name, q.Get(name), err))
		}
	}
	return errors.Join(errs...)
}

// boolOpt, intOpt and secondsOpt convert as oslo.config does, with
// osloconf's conversions: the one owner of oslo's value syntax (a URL
// option reads as it would in nova.conf).
func boolOpt(field func(*Options) *bool) func(*Options, string) error {
	return func(o *Options, v string) error {
		b, err := osloconf.ParseBool(v)
		if err != nil {
			return err
		}
		*field(o) = b
		return nil
	}
}

func intOpt(field func(*Options) *int) func(*Options, string) error {
	return func(o *Options, v string) error {
		n, err := parseInt(v)
		if err != nil {
			return err
		}
		*field(o) = n
		return nil
	}
}

// secondsOpt reads whole seconds, the unit (and type) of oslo's interval
// options.
func secondsOpt(field func(*Options) *time.Duration) func(*Options, string) error {
	return func(o *Options, v string) error {
		n, err := parseInt(v)
		if err != nil {
			return fmt.Errorf("%w seconds", err)
		}
		*field(o) = time.Duration(n) * time.Second
		return nil
	}
}

func parseInt(v string) (int, error) {
	n, err := osloconf.ParseInt(v)
	if err != nil || n != int64(int(n)) {
		return 0, errors.New("want a whole number")
	}
	return int(n), nil
}
