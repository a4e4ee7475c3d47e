package request

import (
	"context"
	"hash/maphash"
	"math"
	"slices"
	"sync"
)

// DefaultDedupSize is how many message ids a Dedup remembers by default.
// oslo.messaging remembers 16, which a single reconnect under load overruns.
const DefaultDedupSize = 1 << 16

// DedupEntryBytes is what one remembered id costs at most, whatever its
// length: ids are kept as 128-bit keyed hashes (the map entry, the ring
// slot and the entry itself). The default size costs about 6.5 MiB.
const DedupEntryBytes = 100

// Dedup remembers recent _unique_id values so that a message delivered
// again (after a lost connection, say) is handled once, without giving up
// at-least-once: an id is in progress while a delivery of it runs and done
// only once that delivery was handled and acknowledged. A copy that arrives
// while the original runs waits for it, then is acknowledged if the
// original was, and runs in its place if it was not (aborted by a stop,
// say). Dedup also counts the deliveries of each id it remembers, so
// max_deliveries holds on queues that do not count them (classic queues).
//
// Ids are remembered as keyed 128-bit hashes, so a sender's long ids cost
// no memory; the seeds are drawn per process, so a sender cannot aim for a
// collision. Entries leave oldest first; one in progress is kept until it
// ends, so at most size + in-flight ids are remembered. It is safe for
// concurrent use by tasks.
type Dedup struct {
	seeds [2]maphash.Seed

	mu      sync.Mutex
	entries map[idKey]*entry
	ring    []idKey // insertion order; next is the oldest
	next    int     // the oldest slot, written next
	used    int     // slots in use
	spare   *entry  // the last evicted entry, reused by the next new id
}

type idKey [2]uint64

type entry struct {
	// ended is made by the first copy to wait for the running delivery,
	// and closed when that delivery ends: a delivery nobody waits for
	// costs no channel.
	ended      chan struct{}
	waiters    int32 // copies waiting in begin for the running delivery to end
	deliveries int32 // deliveries of the id seen by this process
	running    bool  // a delivery of the id runs
	done       bool  // a delivery was handled and acknowledged
}

// inProgress reports whether e must stay remembered: a delivery runs, or
// copies waiting for one have not yet taken their turn.
func (e *entry) inProgress() bool { return e.running || e.waiters > 0 }

// NewDedup returns a Dedup remembering up to size ids; size ≤ 0 disables
// deduplication (every delivery runs).
func NewDedup(size int) *Dedup {
	if size <= 0 {
		return nil
	}
	return &Dedup{
		seeds:   [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		entries: make(map[idKey]*entry, size),
		ring:    make([]idKey, size),
	}
}

// verdict is what to do with one delivery.
type verdict uint8

const (
	runIt     verdict = iota // handle it, then call claim.end
	duplicate                // its original was handled and acknowledged: ack it
	poison                   // delivered more than the bound allows: reject it
)

// claim is a delivery's hold on its id while it runs.
type claim struct {
	d *Dedup
	e *entry
}

// begin registers a delivery of id and says what to do with it. While
// another delivery of id runs, begin waits for it to end (or ctx to end,
// returning ctx's error). A delivery about to run that makes more than
// maxDeliveries of its id is poison (maxDeliveries ≤ 0: no bound). An
// empty id, or a nil Dedup, always runs.
func (d *Dedup) begin(ctx context.Context, id string, maxDeliveries int) (verdict, claim, error) {
	if d == nil || id == "" {
		return runIt, claim{}, nil
	}
	k := d.key(id)
	d.mu.Lock()
	e := d.lookup(k)
	if e.deliveries < math.MaxInt32 {
		e.deliveries++
	}
	for e.running {
		// Counted as waiting, e stays remembered until this copy has
		// looked at it again: evicted in between, its outcome would be
		// lost and this copy would run beside the next one.
		if e.ended == nil {
			e.ended = make(chan struct{})
		}
		wait := e.ended
		e.waiters++
		d.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			d.mu.Lock()
			e.waiters--
			d.mu.Unlock()
			return runIt, claim{}, ctx.Err()
		}
		d.mu.Lock()
		e.waiters--
	}
	defer d.mu.Unlock()
	switch {
	case e.done:
		return duplicate, claim{}, nil
	case maxDeliveries > 0 && int(e.deliveries) > maxDeliveries:
		return poison, claim{}, nil
	}
	e.running = true
	return runIt, claim{d: d, e: e}, nil
}

// end releases the claim: acked says the delivery was handled and will be
// acknowledged, so later copies are duplicates; otherwise the next copy
// runs. end on an empty claim does nothing.
func (c claim) end(acked bool) {
	if c.e == nil {
		return
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	c.release(acked)
}

// release is end with mu held.
func (c claim) release(acked bool) {
	c.e.done = c.e.done || acked
	c.e.running = false
	if c.e.ended != nil {
		close(c.e.ended)
		c.e.ended = nil
	}
}

func (d *Dedup) key(id string) idKey {
	return idKey{maphash.String(d.seeds[0], id), maphash.String(d.seeds[1], id)}
}

// lookup returns k's entry, remembering k when it is new. Called with mu.
func (d *Dedup) lookup(k idKey) *entry {
	if e, ok := d.entries[k]; ok {
		return e
	}
	switch {
	case d.used < len(d.ring):
		d.used++
	case !d.evict(): // every entry in progress: the ring grows by one
		d.ring = slices.Insert(d.ring, d.next, idKey{})
		d.used++
	}
	e := d.spare // the entry evicted just now, if any: nothing refers to it
	if e == nil {
		e = &entry{}
	} else {
		d.spare = nil
		*e = entry{}
	}
	d.entries[k] = e
	d.ring[d.next] = k
	d.next = (d.next + 1) % len(d.ring)
	return e
}

// evict frees the slot at d.next in a full ring: the oldest entry goes,
// unless it is in progress (running, or with copies waiting), when it is
// passed over and the next oldest is tried. It reports false when every
// entry is in progress.
func (d *Dedup) evict() bool {
	for range len(d.ring) {
		old := d.ring[d.next]
		if e := d.entries[old]; !e.inProgress() {
			delete(d.entries, old)
			d.spare = e
			return true
		}
		d.next = (d.next + 1) % len(d.ring)
	}
	return false
}
