package rabbit

import (
	"sync/atomic"

	"github.com/rpcexec/rpcexec/transport"
)

// counters are a Rabbit's connection counters, written by its pollers'
// loops and its publishers, read by anyone.
type counters struct {
	lost, reconnects, publishRetries atomic.Int64
}

// Stats returns the transport's counters (see transport.Stats).
func (r *Rabbit) Stats() transport.Stats {
	return transport.Stats{
		ConnectionsLost: r.stats.lost.Load(),
		Reconnects:      r.stats.reconnects.Load(),
		PublishRetries:  r.stats.publishRetries.Load(),
	}
}

// watch keeps a poller's connection state where other goroutines can read
// it: whether it consumes on a live connection (Connected), and how often
// it lost and made its connection again (the transport's counters). The
// Poller is driven by its listener loop alone, so its session is read
// here, after each Poll and heartbeat check, on that goroutine; what it
// shows is at most one poll timeout old.
type watch struct {
	stats     *counters
	connected atomic.Bool
	up        bool   // the loop's view at the last observe
	gen       uint64 // the session generation at the last observe
}

// observe records p's state. Called by the loop only.
func (w *watch) observe(p *Poller) {
	up := p.s != nil && !p.s.broken()
	if w.up && !up {
		w.stats.lost.Add(1)
	}
	if p.gen > w.gen {
		if w.gen > 0 {
			w.stats.reconnects.Add(int64(p.gen - w.gen))
		}
		w.gen = p.gen
	}
	w.up = up
	w.connected.Store(up && !p.closed)
}
