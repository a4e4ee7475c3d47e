package listener

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// ErrInvalidConfig is wrapped by every configuration error of this package.
var ErrInvalidConfig = errors.New("listener: invalid configuration")

// AckPolicy says when a message is acknowledged.
type AckPolicy uint8

const (
	// AckAfter acknowledges once the handler returned: a crash or a stop loses
	// nothing (at-least-once; redeliveries are caught by the dedup cache).
	AckAfter AckPolicy = iota
	// AckBefore acknowledges when the task is handed to the executor, as
	// oslo.messaging does for RPC (at-most-once).
	AckBefore
)

func (p AckPolicy) String() string {
	if p == AckBefore {
		return "before"
	}
	return "after"
}

// ParseAckPolicy reads "after" or "before".
func ParseAckPolicy(s string) (AckPolicy, error) {
	switch s {
	case "after", "":
		return AckAfter, nil
	case "before":
		return AckBefore, nil
	}
	return 0, fmt.Errorf("%w: ack policy %q: want \"after\" or \"before\"", ErrInvalidConfig, s)
}

// DefaultPollTimeout bounds how long the loop waits in one poll, and so how
// long acks and heartbeat checks can wait for the loop.
const DefaultPollTimeout = time.Second

// Config tunes a Listener.
type Config struct {
	// Prefetch bounds the messages received and not yet settled or finished.
	Prefetch int
	// MaxInFlightBytes, when > 0, bounds the bodies in flight: the loop
	// polls no more while they add up to it, so they stay under it plus one
	// batch. Handling a message costs about twice its size (body and
	// decoded copy), so this is what bounds handling memory.
	MaxInFlightBytes int
	// PollTimeout bounds one poll; DefaultPollTimeout when zero.
	PollTimeout time.Duration
	// Ack is the acknowledgement policy.
	Ack AckPolicy
	// HeartbeatInterval is how often the loop runs the poller's heartbeat
	// check (heartbeat.Interval); zero disables the check.
	HeartbeatInterval time.Duration
	// Logger receives the loop's log lines; slog.Default() when nil.
	Logger *slog.Logger
}

func (c *Config) validate() error {
	switch {
	case c.Prefetch <= 0:
		return fmt.Errorf("%w: prefetch must be > 0, got %d", ErrInvalidConfig, c.Prefetch)
	case c.MaxInFlightBytes < 0:
		return fmt.Errorf("%w: max in-flight bytes must be ≥ 0 (0: no bound), got %d", ErrInvalidConfig, c.MaxInFlightBytes)
	case c.PollTimeout < 0:
		return fmt.Errorf("%w: poll timeout must be ≥ 0, got %s", ErrInvalidConfig, c.PollTimeout)
	case c.HeartbeatInterval < 0:
		return fmt.Errorf("%w: heartbeat interval must be ≥ 0, got %s", ErrInvalidConfig, c.HeartbeatInterval)
	}
	if c.PollTimeout == 0 {
		c.PollTimeout = DefaultPollTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}
