package memory

import (
	"sync"
	"sync/atomic"
	"time"
)

// entry is one message as a queue holds it. Body and headers are shared by
// every queue a fanout reached and by every delivery: nobody writes them.
type entry struct {
	body        []byte
	contentType string
	headers     map[string]any
	key         string        // routing key it was published with, kept for dead-lettering
	expires     time.Duration // on the bus clock; 0 = never
	deliveries  int
}

// queue is a bounded FIFO with its consumers. A publish locks it only as long
// as it takes to append; a Poller takes a whole batch under one lock.
type queue struct {
	name  string
	id    uint64 // lock order when one publish holds several queues
	opts  QueueOptions
	limit int
	self  []*queue // the default exchange's route to this queue, so it allocates nothing

	bindings []binding    // guarded by Bus.mu, not mu
	unacked  atomic.Int64 // changed by Pollers without mu

	mu        sync.Mutex
	ready     ring
	consumers []*Poller
	deleted   bool
}

// signal wakes every consumer waiting on this queue. The caller holds q.mu.
// Consumers are woken only when the queue stops being empty: one that finds
// the queue empty and waits is certain to see the next message arrive.
func (q *queue) signal() {
	for _, c := range q.consumers {
		select {
		case c.notify <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// push appends e. The caller holds q.mu and has checked the limit.
func (q *queue) push(e entry) {
	q.ready.pushBack(e)
	if q.ready.n == 1 {
		q.signal()
	}
}

// ring is a FIFO deque in a power-of-two circular buffer. It grows and
// shrinks by halves, so a steady stream of messages allocates nothing.
type ring struct {
	buf  []entry
	head int
	n    int
}

const (
	minRing    = 16
	shrinkRing = 1024 // rings at most this big never shrink
)

func (r *ring) pushBack(e entry) {
	if r.n == len(r.buf) {
		r.resize(max(minRing, 2*len(r.buf)))
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = e
	r.n++
}

func (r *ring) pushFront(e entry) {
	if r.n == len(r.buf) {
		r.resize(max(minRing, 2*len(r.buf)))
	}
	r.head = (r.head - 1) & (len(r.buf) - 1)
	r.buf[r.head] = e
	r.n++
}

// popFront removes the head; the caller has checked r.n > 0.
func (r *ring) popFront() entry {
	e := r.buf[r.head]
	r.buf[r.head] = entry{} // let the body be collected once delivered
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	if len(r.buf) > shrinkRing && r.n < len(r.buf)/4 {
		r.resize(len(r.buf) / 2)
	}
	return e
}

func (r *ring) resize(size int) {
	buf := make([]entry, size)
	k := copy(buf, r.buf[r.head:min(r.head+r.n, len(r.buf))])
	copy(buf[k:], r.buf[:r.n-k])
	r.buf, r.head = buf, 0
}
