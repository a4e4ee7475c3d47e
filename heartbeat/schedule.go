package heartbeat

import (
	"math"
	"time"
)

// Schedule tells the listener loop when the next heartbeat check is due.
// It owns no goroutine and no timer: the loop already wakes at least once per
// poll timeout, so it asks the Schedule between polls, passing the current
// time. Taking now as an argument keeps the Schedule deterministic in tests.
//
// The zero Schedule is disabled. A Schedule is a plain value used by one
// goroutine; it is not safe for concurrent use.
type Schedule struct {
	interval time.Duration
	next     time.Time
}

// NewSchedule returns a Schedule whose first check is due one interval after
// now: a fresh connection has just proved itself alive. An interval ≤ 0 (see
// Interval: heartbeats disabled) gives a Schedule that is never due.
func NewSchedule(interval time.Duration, now time.Time) Schedule {
	if interval <= 0 {
		return Schedule{}
	}
	return Schedule{interval: interval, next: now.Add(interval)}
}

// Due reports whether a check is due at now. A true answer re-arms the
// Schedule one interval from now, not from the missed deadline, so a loop
// held up by a slow poll runs one check rather than a burst of catch-up
// checks.
func (s *Schedule) Due(now time.Time) bool {
	if s.interval <= 0 || now.Before(s.next) {
		return false
	}
	s.next = now.Add(s.interval)
	return true
}

// Until returns how long after now the next check is due, 0 if it is due
// already, so the loop can bound its poll: min(pollTimeout, s.Until(now)).
// A disabled Schedule returns the largest Duration, so that min always picks
// the poll timeout.
func (s *Schedule) Until(now time.Time) time.Duration {
	if s.interval <= 0 {
		return math.MaxInt64
	}
	return max(s.next.Sub(now), 0)
}
