package rabbit

import (
	"math/rand/v2"
	"time"
)

// jitter is the largest share of a delay that is taken off at random.
const jitter = 0.2

// Backoff returns the delay before reconnect or publish attempt n+1 after
// n failed attempts (n ≥ 1), on oslo.messaging's (kombu's) schedule:
// rabbit_retry_interval, then rabbit_retry_backoff more per attempt, never
// more than rabbit_interval_max — 1 s, 3 s, 5 s, … 29 s, 30 s, 30 s with
// the defaults.
//
// Each delay is shortened by a random 0–20 %. Jitter spreads the
// reconnects of many services after a broker restart so they do not
// arrive in one burst; taking it only off the top keeps the operator's
// numbers true bounds (rabbit_interval_max stays the longest wait), and
// unlike full jitter a delay never drops near zero, which would hammer a
// broker that is still starting. It is safe for concurrent use and suits
// poller/amqp's Options.RetryDelay.
func Backoff(o Options) func(attempt int) time.Duration {
	return backoff(o, rand.Float64)
}

// backoff is Backoff with the source of randomness injected for tests;
// rnd returns a number in [0, 1).
func backoff(o Options, rnd func() float64) func(attempt int) time.Duration {
	return func(attempt int) time.Duration {
		d := scheduled(o, attempt)
		return d - time.Duration(float64(d)*jitter*rnd())
	}
}

// scheduled is the delay before jitter.
func scheduled(o Options, attempt int) time.Duration {
	steps := time.Duration(max(attempt-1, 0))
	d := o.IntervalMax
	// Compare before multiplying so a long outage cannot overflow.
	if o.RetryBackoff == 0 || steps <= (o.IntervalMax-o.RetryInterval)/o.RetryBackoff {
		d = o.RetryInterval + steps*o.RetryBackoff
	}
	return min(d, o.IntervalMax)
}

// perRound spreads a schedule over rounds of the URL's hosts, as kombu
// does: after a failed attempt the next host is tried at once, and the
// schedule's delay comes only when every host has failed once more. n
// counts failed attempts (or a lost connection and failed attempts).
func perRound(hosts int, delay func(attempt int) time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		if n%hosts != 0 {
			return 0
		}
		return delay(n / hosts)
	}
}
