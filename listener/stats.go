package listener

import (
	"sync/atomic"

	"github.com/rpcexec/rpcexec/poller"
)

// Stats are a Listener's counters since it started.
type Stats struct {
	Received     int64 // messages polled
	Acked        int64 // settled with Ack (including acks before running)
	Requeued     int64 // returned to the queue unstarted
	Rejected     int64 // removed unhandled (poison, dead-lettered)
	InFlight     int64 // received and not yet finished, now
	PeakInFlight int64 // the most ever in flight at once; never above the prefetch
	// PeakInFlightBytes is the most body bytes ever in flight at once: under
	// MaxInFlightBytes plus one message.
	PeakInFlightBytes int64
	// PollErrors counts polls that failed (the loop retries after the poll
	// timeout); HeartbeatFailures counts heartbeat checks that found the
	// connection dead or still reconnecting.
	PollErrors        int64
	HeartbeatFailures int64
}

// counters are written by the loop only and read by anyone.
type counters struct {
	received, acked, requeued, rejected, inflight, peak, peakBytes atomic.Int64
	pollErrors, heartbeatFailures                                  atomic.Int64
}

func (c *counters) count(batch []poller.Settlement) {
	var acked, requeued, rejected int64
	for _, s := range batch {
		switch s.Outcome {
		case poller.Ack:
			acked++
		case poller.Requeue:
			requeued++
		case poller.Reject:
			rejected++
		}
	}
	c.acked.Add(acked)
	c.requeued.Add(requeued)
	c.rejected.Add(rejected)
}

func (c *counters) setInFlight(n int) {
	c.inflight.Store(int64(n))
	if int64(n) > c.peak.Load() {
		c.peak.Store(int64(n))
	}
}

func (c *counters) setBytes(n int) {
	if int64(n) > c.peakBytes.Load() {
		c.peakBytes.Store(int64(n))
	}
}

func (c *counters) snapshot() Stats {
	return Stats{
		Received: c.received.Load(), Acked: c.acked.Load(), Requeued: c.requeued.Load(),
		Rejected: c.rejected.Load(), InFlight: c.inflight.Load(), PeakInFlight: c.peak.Load(),
		PeakInFlightBytes: c.peakBytes.Load(),
		PollErrors:        c.pollErrors.Load(), HeartbeatFailures: c.heartbeatFailures.Load(),
	}
}
