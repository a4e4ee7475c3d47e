package heartbeat

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of oslo.messaging's options of the same names, so an operator's
// settings carry over. DefaultRate is 3 as the design fixes it; note that
// oslo.messaging 14.0.3 (the Debian package) still defaults heartbeat_rate to 2,
// which gives a 15 s interval, so an operator comparing the two should set it.
const (
	// DefaultThreshold is heartbeat_timeout_threshold: how long the broker may
	// stay silent before the connection is considered dead.
	DefaultThreshold = 60 * time.Second
	// DefaultRate is heartbeat_rate: how many times per threshold the heartbeat
	// is checked (and therefore sent).
	DefaultRate = 3
)

// ErrInvalidConfig is wrapped by every configuration error of this package,
// so callers can tell a bad setting from a broken connection with errors.Is.
var ErrInvalidConfig = errors.New("heartbeat: invalid configuration")

// Interval returns how often the listener loop must check the connection
// heartbeat: threshold / rate / 2, as oslo.messaging's rabbit driver does
// (kombu needs the check at least twice per heartbeat it sends). With the
// defaults that is 60 s / 3 / 2 = 10 s.
//
// A threshold of 0 disables heartbeats, as in oslo.messaging: Interval
// returns 0 and a nil error, and a Schedule built from it is never due.
// The rate is validated even then, because oslo.messaging rejects a zero rate
// whatever the threshold, and a setting that only fails once heartbeats are
// switched on would surprise the operator later.
func Interval(threshold time.Duration, rate int) (time.Duration, error) {
	if threshold < 0 {
		return 0, fmt.Errorf("%w: heartbeat_timeout_threshold is %v, must be >= 0 (0 disables heartbeats)",
			ErrInvalidConfig, threshold)
	}
	if rate < 1 {
		return 0, fmt.Errorf("%w: heartbeat_rate is %d, must be >= 1", ErrInvalidConfig, rate)
	}
	if threshold == 0 {
		return 0, nil
	}
	// Divide step by step: 2*rate could overflow for an absurd rate.
	interval := threshold / time.Duration(rate) / 2
	if interval <= 0 {
		// Rounding to 0 would silently read as "disabled".
		return 0, fmt.Errorf("%w: heartbeat_timeout_threshold is %v, must be at least 2×heartbeat_rate (%d) nanoseconds",
			ErrInvalidConfig, threshold, rate)
	}
	return interval, nil
}
