package bench

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/transport"
)

// ErrBadWorkload is wrapped by every Workload.Validate error.
var ErrBadWorkload = errors.New("bench: bad workload")

// Modes of a workload: how messages are sent.
const (
	Cast   = "cast"   // to the topic, no reply
	Call   = "call"   // to the topic, each publisher waits for its reply
	Fanout = "fanout" // to every server of the topic
)

// Workload is one measured run: where, which strategy, what traffic.
type Workload struct {
	URL      string // transport URL; "" or memory:// is a private embedded bus
	Exchange string // control_exchange; "" is openstack
	Executor string // one of executor.Names()
	PoolSize int    // executor_thread_pool_size; 0 keeps the default
	Prefetch int    // rabbit_qos_prefetch_count; 0 keeps the default
	Ack      string // "after" (default) or "before"

	Mode       string        // Cast (default), Call or Fanout
	Messages   int           // messages to send; 0 with Duration means as many as fit
	Duration   time.Duration // stop publishing after this long; 0 means by Messages
	Publishers int           // publishing goroutines; 0 is 4 (64 for calls)
	// Window bounds the casts published and not yet handled, per server; 0
	// is twice the prefetch: the server's prefetch full and as much again
	// waiting, so it never idles and the queue never grows.
	Window  int
	Servers int  // servers of the topic; 0 is 1 (2 for fanout)
	Work    Work // what the endpoint does per message
	Payload int  // bytes of padding in each request's args

	// Prefill fills the queue before the servers start and runs the clock
	// from their start to the last message handled: the server path alone,
	// without publishers competing for the CPUs.
	Prefill bool

	// Base is the configuration a run starts from (rpcexec.LoadConfigFiles
	// of loadgen's --config-file); nil is rpcexec.DefaultConfig(). The
	// fields above override it.
	Base *rpcexec.Config

	// Logger receives rpcexec's log lines; nil logs warnings to stderr.
	Logger *slog.Logger

	// Progress, when set, is called about every 250 ms during the run, on
	// a goroutine of the run's own; it must not block.
	Progress func(Progress)
}

// Progress is a run's state while it runs.
type Progress struct {
	Strategy string
	Handled  int64
	Expected int64 // 0 when the run is bounded by time
	Elapsed  time.Duration
}

// defaults fills the zero fields that have a default.
func (w Workload) defaults() Workload {
	if w.URL == "" {
		w.URL = "memory://"
	}
	if w.Ack == "" {
		w.Ack = "after"
	}
	if w.Mode == "" {
		w.Mode = Cast
	}
	if w.Publishers == 0 {
		w.Publishers = 4
		if w.Mode == Call {
			w.Publishers = 64
		}
	}
	if w.Window == 0 {
		w.Window = 2 * w.prefetch()
	}
	if w.Servers == 0 {
		w.Servers = 1
		if w.Mode == Fanout {
			w.Servers = 2
		}
	}
	if w.Messages == 0 && w.Duration == 0 {
		w.Messages = 100_000
	}
	return w
}

// prefetch is the in-flight bound rpcexec derives for w's executor
// (rabbit_qos_prefetch_count 0 is twice the executor's concurrency); the
// baseline takes the pool's.
func (w Workload) prefetch() int {
	switch {
	case w.Prefetch > 0:
		return w.Prefetch
	case w.Executor == executor.Pool || w.Executor == Baseline:
		return 2 * cmp.Or(w.PoolSize, executor.DefaultPoolSize)
	}
	return 2 * executor.DefaultPoolSize
}

// Validate checks w after defaults; all problems are reported.
func (w Workload) Validate() error {
	w = w.defaults()
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrBadWorkload}, a...)...))
	}
	if _, err := transport.ParseURL(w.URL); err != nil {
		bad("url: %v", err)
	}
	if w.Executor != Baseline && !slices.Contains(executor.Names(), w.Executor) {
		bad("executor %q: want one of %s", w.Executor, strings.Join(executor.Names(), ", "))
	}
	if w.Ack != "after" && w.Ack != "before" {
		bad("ack %q: want after or before", w.Ack)
	}
	if w.Mode != Cast && w.Mode != Call && w.Mode != Fanout {
		bad("mode %q: want cast, call or fanout", w.Mode)
	}
	if w.PoolSize < 0 || w.Prefetch < 0 || w.Payload < 0 || w.Messages < 0 || w.Duration < 0 {
		bad("pool size, prefetch, payload, messages and duration must not be negative")
	}
	if w.Publishers < 1 || w.Window < 1 || w.Servers < 1 {
		bad("publishers, window and servers must be at least 1")
	}
	if w.Window < w.Publishers {
		bad("window %d is smaller than publishers %d: every publisher needs room for a message", w.Window, w.Publishers)
	}
	if w.Prefill && w.Messages == 0 {
		bad("prefill needs a number of messages, not a duration")
	}
	if w.Prefill && w.Mode == Fanout {
		bad("prefill works with cast or call: fanout queues exist only once their servers start")
	}
	return errors.Join(errs...)
}

// String describes w in one line, for report headers.
func (w Workload) String() string {
	window := fmt.Sprintf("window %d", w.Window)
	if w.Window == 0 {
		window = "window 2×prefetch"
	}
	w = w.defaults()
	url := w.URL
	if u, err := transport.ParseURL(w.URL); err == nil {
		url = u.String() // without passwords
	}
	parts := []string{url, w.Mode}
	if w.Prefill {
		parts = append(parts, "prefilled (server path alone)")
	} else {
		parts = append(parts, fmt.Sprintf("end to end, %d publishers", w.Publishers))
		if w.Mode != Call {
			parts = append(parts, window)
		}
	}
	if w.Messages > 0 {
		parts = append(parts, fmt.Sprintf("%d messages", w.Messages))
	}
	if w.Duration > 0 {
		parts = append(parts, "for "+w.Duration.String())
	}
	parts = append(parts, "work "+w.Work.String(), fmt.Sprintf("payload %d B", w.Payload), "ack "+w.Ack)
	if w.Servers > 1 {
		parts = append(parts, fmt.Sprintf("%d servers", w.Servers))
	}
	if w.PoolSize > 0 && w.PoolSize != executor.DefaultPoolSize {
		parts = append(parts, fmt.Sprintf("pool size %d", w.PoolSize))
	}
	if w.Prefetch > 0 {
		parts = append(parts, fmt.Sprintf("prefetch %d", w.Prefetch))
	}
	return strings.Join(parts, " · ")
}
