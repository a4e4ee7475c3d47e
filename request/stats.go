package request

import "sync/atomic"

// Stats are a Handler's counters since it was made. The listener's
// (listener.Stats) count messages; these say what became of requests.
type Stats struct {
	Dispatched int64 // requests that reached the dispatcher (and its interceptors)
	Failed     int64 // of them, those that ended in an error (a failure reply for a call)
	Malformed  int64 // messages that were no readable request: logged, answered if possible, acknowledged
	Oversize   int64 // requests over max_message_size: rejected
	Poison     int64 // requests delivered more than max_deliveries times: rejected
	Duplicates int64 // redeliveries of requests already handled: dropped (acknowledged)
	// ReplyFailures are replies, refusals and call-monitor heartbeats that
	// could not be delivered: the caller times out (or its monitor fires).
	ReplyFailures int64
}

// counters are written by tasks and read by anyone.
type counters struct {
	dispatched, failed, malformed, oversize, poison, duplicates, replyFailures atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Dispatched: c.dispatched.Load(), Failed: c.failed.Load(), Malformed: c.malformed.Load(),
		Oversize: c.oversize.Load(), Poison: c.poison.Load(), Duplicates: c.duplicates.Load(),
		ReplyFailures: c.replyFailures.Load(),
	}
}

// Stats returns the handler's counters.
func (h *Handler) Stats() Stats { return h.stats.snapshot() }
