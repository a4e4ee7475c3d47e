package request

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func (v verdict) String() string {
	switch v {
	case runIt:
		return "run"
	case duplicate:
		return "duplicate"
	case poison:
		return "poison"
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// begun is what one begin returned.
type begun struct {
	v   verdict
	c   claim
	err error
}

// waiting is how many copies of id wait in begin for a running delivery.
func waiting(d *Dedup, id string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.entries[d.key(id)]; ok {
		return int(e.waiters)
	}
	return 0
}

// awaitWaiting returns once n copies of id wait in begin, failing the test
// if that takes over 5 s. A copy counts itself under the lock it then
// gives up to wait, so from then on it can only return after an end (or
// its context).
func awaitWaiting(t *testing.T, d *Dedup, id string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for waiting(d, id) != n {
		if time.Now().After(deadline) {
			t.Fatalf("copies of %q waiting: got %d within 5 s, want %d", id, waiting(d, id), n)
		}
		runtime.Gosched()
	}
}

// receive returns what a begin running in the background returned,
// failing the test if it has not returned within 5 s.
func receive(t *testing.T, ch <-chan begun, name string) begun {
	t.Helper()
	select {
	case b := <-ch:
		return b
	case <-time.After(5 * time.Second):
		t.Fatalf("delivery %s: begin has not returned within 5 s", name)
		return begun{}
	}
}

// remembered lists which of ids d remembers, oldest first.
func remembered(d *Dedup, ids ...string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	names := make(map[idKey]string, len(ids))
	for _, id := range ids {
		names[d.key(id)] = id
	}
	var got []string
	for i := range len(d.ring) {
		k := d.ring[(d.next+i)%len(d.ring)]
		if _, ok := d.entries[k]; ok {
			got = append(got, names[k])
		}
	}
	return got
}

// TestDedupSequences runs deliveries of message ids through a Dedup step by
// step. A begin either returns at once with the verdict wanted, or (waits)
// must block until a later step ends another delivery of its id; "result"
// then checks what it returned.
func TestDedupSequences(t *testing.T) {
	type step struct {
		do    string // begin, end or result
		name  string // the delivery, e.g. a1 for the first delivery of a
		id    string
		waits bool    // begin: blocks until a later end
		acked bool    // end: the delivery was acknowledged
		want  verdict // begin that does not wait, and result
	}
	begin := func(name, id string, want verdict) step { return step{do: "begin", name: name, id: id, want: want} }
	blocks := func(name, id string) step { return step{do: "begin", name: name, id: id, waits: true} }
	end := func(name string, acked bool) step { return step{do: "end", name: name, acked: acked} }
	result := func(name string, want verdict) step { return step{do: "result", name: name, want: want} }

	tests := []struct {
		name          string
		size          int // 0: a nil Dedup
		maxDeliveries int
		steps         []step
	}{
		{"first delivery runs", 4, 0, []step{begin("a1", "a", runIt)}},
		{"other ids run side by side", 4, 0, []step{begin("a1", "a", runIt), begin("b1", "b", runIt)}},
		{"copy after an acked original is a duplicate", 4, 0, []step{
			begin("a1", "a", runIt), end("a1", true), begin("a2", "a", duplicate), begin("a3", "a", duplicate)}},
		{"copy after an unacked original runs", 4, 0, []step{
			begin("a1", "a", runIt), end("a1", false), begin("a2", "a", runIt)}},
		{"copy while the original runs waits, then is a duplicate", 4, 0, []step{
			begin("a1", "a", runIt), blocks("a2", "a"), end("a1", true), result("a2", duplicate)}},
		{"copy while the original runs waits, then runs in its place", 4, 0, []step{
			begin("a1", "a", runIt), blocks("a2", "a"), end("a1", false), result("a2", runIt),
			blocks("a3", "a"), end("a2", true), result("a3", duplicate)}},
		{"waiting copies take turns", 4, 0, []step{
			begin("a1", "a", runIt), blocks("a2", "a"), end("a1", false), result("a2", runIt),
			blocks("a3", "a"), end("a2", false), result("a3", runIt), end("a3", true),
			begin("a4", "a", duplicate)}},
		{"poison past max deliveries", 4, 2, []step{
			begin("a1", "a", runIt), end("a1", false), begin("a2", "a", runIt), end("a2", false),
			begin("a3", "a", poison), begin("a4", "a", poison)}},
		{"poison after waiting for an unacked original", 4, 2, []step{
			begin("a1", "a", runIt), blocks("a2", "a"), end("a1", false), result("a2", runIt),
			blocks("a3", "a"), end("a2", false), result("a3", poison)}},
		{"deliveries count on arrival: waiting copies add up", 4, 2, []step{
			begin("a1", "a", runIt), blocks("a2", "a"), blocks("a3", "a"), end("a1", false),
			result("a2", poison), result("a3", poison)}},
		{"never poison for a copy of an acked original", 4, 1, []step{
			begin("a1", "a", runIt), blocks("a2", "a"), blocks("a3", "a"), end("a1", true),
			result("a2", duplicate), result("a3", duplicate), begin("a4", "a", duplicate)}},
		{"max deliveries 0 is no bound", 4, 0, []step{
			begin("a1", "a", runIt), end("a1", false), begin("a2", "a", runIt), end("a2", false),
			begin("a3", "a", runIt), end("a3", false), begin("a4", "a", runIt)}},
		{"poison is per id", 4, 1, []step{
			begin("a1", "a", runIt), end("a1", false), begin("b1", "b", runIt), begin("a2", "a", poison)}},
		{"empty id always runs", 4, 1, []step{
			begin("e1", "", runIt), begin("e2", "", runIt), end("e1", true), begin("e3", "", runIt)}},
		{"nil Dedup always runs", 0, 1, []step{
			begin("a1", "a", runIt), begin("a2", "a", runIt), end("a1", true), begin("a3", "a", runIt)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDedup(tt.size)
			if (d == nil) != (tt.size == 0) {
				t.Fatalf("NewDedup(%d): got %v, want nil only for size 0", tt.size, d)
			}
			claims := map[string]claim{}
			pending := map[string]chan begun{}
			ids := map[string]string{}  // delivery → id
			blocked := map[string]int{} // copies waiting, by id
			for i, s := range tt.steps {
				switch s.do {
				case "begin":
					ch := make(chan begun, 1)
					go func() {
						v, c, err := d.begin(context.Background(), s.id, tt.maxDeliveries)
						ch <- begun{v, c, err}
					}()
					if s.waits {
						blocked[s.id]++
						awaitWaiting(t, d, s.id, blocked[s.id])
						select {
						case b := <-ch:
							t.Fatalf("step %d: begin %s returned %v while its original runs, want it to wait", i, s.name, b.v)
						default:
						}
						pending[s.name], ids[s.name] = ch, s.id
						continue
					}
					b := receive(t, ch, s.name)
					if b.err != nil || b.v != s.want {
						t.Fatalf("step %d: begin %s: got %v, %v; want %v", i, s.name, b.v, b.err, s.want)
					}
					claims[s.name] = b.c
				case "result":
					b := receive(t, pending[s.name], s.name)
					blocked[ids[s.name]]--
					if b.err != nil || b.v != s.want {
						t.Fatalf("step %d: waiting begin %s: got %v, %v; want %v", i, s.name, b.v, b.err, s.want)
					}
					claims[s.name] = b.c
				case "end":
					claims[s.name].end(s.acked)
				}
			}
		})
	}
}

// TestDedupConcurrentCopies: 16 goroutines deliver each of 300 ids at once.
// The first two deliveries to run end unacknowledged, the third
// acknowledged: every id runs exactly three times, never two deliveries of
// one id at a time, and every other delivery is a duplicate.
func TestDedupConcurrentCopies(t *testing.T) {
	const ids, copies, runsEach = 300, 16, 3
	d := NewDedup(ids)
	var running, runs, dups [ids]atomic.Int32
	var wg sync.WaitGroup
	for range copies {
		wg.Go(func() {
			for i := range ids {
				v, c, err := d.begin(context.Background(), fmt.Sprint("id-", i), 0)
				switch {
				case err != nil:
					t.Errorf("id %d: %v", i, err)
				case v == duplicate:
					dups[i].Add(1)
				case v == runIt:
					if n := running[i].Add(1); n != 1 {
						t.Errorf("id %d: %d deliveries running at once, want 1", i, n)
					}
					n := runs[i].Add(1)
					running[i].Add(-1)
					c.end(n >= runsEach)
				default:
					t.Errorf("id %d: got %v, want run or duplicate", i, v)
				}
			}
		})
	}
	wg.Wait()
	for i := range ids {
		if r, dup := runs[i].Load(), dups[i].Load(); r != runsEach || dup != copies-runsEach {
			t.Errorf("id %d: got %d runs, %d duplicates; want %d and %d", i, r, dup, runsEach, copies-runsEach)
		}
	}
}

// TestDedupCancelWhileWaiting: a copy waiting for its original returns its
// context's error when the context ends, and no longer counts as waiting;
// the original is unaffected.
func TestDedupCancelWhileWaiting(t *testing.T) {
	d := NewDedup(4)
	_, orig, _ := d.begin(context.Background(), "a", 0)
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan begun, 1)
	go func() {
		v, c, err := d.begin(ctx, "a", 0)
		ch <- begun{v, c, err}
	}()
	awaitWaiting(t, d, "a", 1)
	cancel()
	if b := receive(t, ch, "a2"); !errors.Is(b.err, context.Canceled) || b.c.e != nil {
		t.Errorf("cancelled wait: got %v, claim %+v, %v; want context.Canceled and no claim", b.v, b.c, b.err)
	}
	if n := waiting(d, "a"); n != 0 {
		t.Errorf("copies waiting after the cancel: got %d, want 0", n)
	}
	orig.end(true)
	if v, _, err := d.begin(context.Background(), "a", 0); v != duplicate || err != nil {
		t.Errorf("copy after the original was acked: got %v, %v; want duplicate", v, err)
	}
}

// TestDedupEvictsOldestFirst: a full Dedup forgets its oldest id to
// remember a new one, and never holds more than its size.
func TestDedupEvictsOldestFirst(t *testing.T) {
	const size = 3
	d := NewDedup(size)
	all := []string{"a", "b", "c", "d", "e", "f", "g"}
	for i, id := range all {
		_, c, _ := d.begin(context.Background(), id, 0)
		c.end(true)
		want := all[max(0, i+1-size) : i+1]
		if got := remembered(d, all...); !slices.Equal(got, want) {
			t.Fatalf("after %s: remembered %v (oldest first), want %v", id, got, want)
		}
	}
	if len(d.entries) != size || len(d.ring) != size {
		t.Errorf("entries %d, ring %d: want both %d", len(d.entries), len(d.ring), size)
	}
	// Forgotten: a copy of a runs again; e is still known.
	if v, _, _ := d.begin(context.Background(), "a", 0); v != runIt {
		t.Errorf("copy of the evicted a: got %v, want run", v)
	}
	if v, _, _ := d.begin(context.Background(), "f", 0); v != duplicate {
		t.Errorf("copy of the remembered f: got %v, want duplicate", v)
	}
}

// TestDedupBoundHolds: 100 times its size in distinct ids leaves a Dedup
// at its size.
func TestDedupBoundHolds(t *testing.T) {
	const size = 64
	d := NewDedup(size)
	for i := range 100 * size {
		_, c, _ := d.begin(context.Background(), fmt.Sprint(i), 0)
		c.end(i%2 == 0)
	}
	if len(d.entries) != size || len(d.ring) != size || d.used != size {
		t.Errorf("after %d ids: entries %d, ring %d, used %d; want %d each", 100*size, len(d.entries), len(d.ring), d.used, size)
	}
}

// TestDedupKeepsInProgress: the oldest id is not evicted while its
// delivery runs: the next oldest goes in its place, and a copy of the
// running one still waits for it.
func TestDedupKeepsInProgress(t *testing.T) {
	d := NewDedup(3)
	all := []string{"a", "b", "c", "d", "e"}
	_, a, _ := d.begin(context.Background(), "a", 0) // runs throughout
	for _, id := range all[1:] {
		_, c, _ := d.begin(context.Background(), id, 0)
		c.end(true)
	}
	if got, want := remembered(d, all...), []string{"a", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("remembered %v, want %v: a kept while running, b and c evicted in order", got, want)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if v, c, err := d.begin(cancelled, "a", 0); !errors.Is(err, context.Canceled) {
		c.end(false)
		t.Fatalf("copy of the running a: got %v, %v; want it to wait (and so return the cancelled context's error)", v, err)
	}
	a.end(true)
	if v, _, _ := d.begin(context.Background(), "a", 0); v != duplicate {
		t.Errorf("copy of a after it was acked: got %v, want duplicate", v)
	}
}

// TestDedupKeepsWaitedFor: an id whose original ended unacknowledged while
// a copy waited for it is not evicted before that copy took its turn.
// Evicted in between, the copy would run on an entry nobody can find, and
// a third copy beside it.
func TestDedupKeepsWaitedFor(t *testing.T) {
	d := NewDedup(1)
	_, a1, _ := d.begin(context.Background(), "a", 0)
	ch := make(chan begun, 1)
	go func() {
		v, c, err := d.begin(context.Background(), "a", 0)
		ch <- begun{v, c, err}
	}()
	awaitWaiting(t, d, "a", 1)
	// a1 ends and b arrives before the copy wakes: the worst order.
	d.mu.Lock()
	a1.release(false)
	d.lookup(d.key("b"))
	d.mu.Unlock()
	a2 := receive(t, ch, "a2")
	if a2.v != runIt {
		t.Fatalf("copy of a after a1 was not acked: got %v, want run", a2.v)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if v, c, err := d.begin(cancelled, "a", 0); !errors.Is(err, context.Canceled) {
		c.end(false)
		t.Fatalf("third copy of a while a2 runs: got %v, %v; want it to wait (a2 still known as running)", v, err)
	}
	a2.c.end(true)
	if v, _, _ := d.begin(context.Background(), "a", 0); v != duplicate {
		t.Errorf("copy of a after a2 was acked: got %v, want duplicate", v)
	}
}

// TestDedupGrowsWhenAllInProgress: when every remembered id is running,
// the ring grows by one per new id instead of forgetting a running one,
// and shrinks back to evicting (no further growth) once they end.
func TestDedupGrowsWhenAllInProgress(t *testing.T) {
	const size = 2
	d := NewDedup(size)
	ids := []string{"a", "b", "c", "d"}
	claims := map[string]claim{}
	for _, id := range ids {
		_, claims[id], _ = d.begin(context.Background(), id, 0)
	}
	if len(d.ring) != len(ids) || len(d.entries) != len(ids) {
		t.Fatalf("with %d running: ring %d, entries %d; want %d each", len(ids), len(d.ring), len(d.entries), len(ids))
	}
	if got := remembered(d, ids...); !slices.Equal(got, ids) {
		t.Errorf("remembered %v, want %v (insertion order kept through growth)", got, ids)
	}
	for _, id := range ids {
		claims[id].end(true)
	}
	for _, id := range []string{"e", "f"} {
		_, c, _ := d.begin(context.Background(), id, 0)
		c.end(true)
	}
	if got, want := remembered(d, append(ids, "e", "f")...), []string{"c", "d", "e", "f"}; !slices.Equal(got, want) {
		t.Errorf("after e and f: remembered %v, want %v (a and b evicted, oldest first)", got, want)
	}
	if len(d.ring) != len(ids) {
		t.Errorf("ring after the running ids ended: got %d slots, want %d (no more growth)", len(d.ring), len(ids))
	}
}

// TestDedupMemoryPerID: remembering ids costs DedupEntryBytes each at
// most, however long the ids are: 2,000 ids of 64 KiB (125 MiB in all)
// grow the heap by under 2 MiB, Dedup included.
func TestDedupMemoryPerID(t *testing.T) {
	const n, idBytes = 2000, 64 << 10
	buf := make([]byte, idBytes)
	for i := range buf {
		buf[i] = 'x'
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	d := NewDedup(n)
	for i := range n {
		copy(buf, fmt.Sprintf("%08d", i))
		_, c, _ := d.begin(context.Background(), string(buf), 0) // a fresh 64 KiB string each
		c.end(true)
	}
	after := heap()
	if len(d.entries) != n {
		t.Fatalf("remembered %d ids, want %d", len(d.entries), n)
	}
	growth := int64(after) - int64(before)
	t.Logf("%d ids of %d KiB: heap grew %d bytes, %d per id", n, idBytes>>10, growth, growth/n)
	if growth > 2<<20 {
		t.Errorf("heap grew %d bytes for %d ids of %d KiB, want under 2 MiB: ids must not be kept", growth, n, idBytes>>10)
	}
	if perID := growth / n; perID > DedupEntryBytes {
		t.Errorf("heap grew %d bytes per id, over DedupEntryBytes %d", perID, DedupEntryBytes)
	}
	runtime.KeepAlive(d)
}
