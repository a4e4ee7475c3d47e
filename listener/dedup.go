package listener

import "sync"

// DefaultDedupSize is how many recent _unique_id values a Dedup remembers by
// default. oslo.messaging remembers 16, which a single reconnect under load
// overruns; 65,536 ids cost a few MiB and cover prefetch windows many times.
const DefaultDedupSize = 1 << 16

// Dedup remembers the most recent message ids so that a redelivered message
// (after a lost connection, say) is handled once. It is a bounded set with
// first-in first-out eviction, safe for concurrent use by tasks.
type Dedup struct {
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string // insertion order; next overwrites the oldest
	next int
}

// NewDedup returns a Dedup remembering up to size ids; size ≤ 0 disables it.
func NewDedup(size int) *Dedup {
	if size <= 0 {
		return nil
	}
	return &Dedup{seen: make(map[string]struct{}, size), ring: make([]string, size)}
}

// First records id and reports whether it is new. An empty id (a sender that
// does not set one) and a nil Dedup always count as new.
func (d *Dedup) First(id string) bool {
	if d == nil || id == "" {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, dup := d.seen[id]; dup {
		return false
	}
	if old := d.ring[d.next]; old != "" {
		delete(d.seen, old)
	}
	d.ring[d.next] = id
	d.next = (d.next + 1) % len(d.ring)
	d.seen[id] = struct{}{}
	return true
}
