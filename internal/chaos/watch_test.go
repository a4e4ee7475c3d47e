package chaos_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/chaos"
)

// watch follows the history for a test: it records the test's own events,
// reads what the server processes appended whenever one of them reports a
// line, and lets the schedule wait for a condition on what happened so far.
// Safe for concurrent use.
type watch struct {
	t    *testing.T
	path string
	rec  *chaos.Recorder

	mu           sync.Mutex
	rd           *chaos.Reader
	events       []chaos.Event
	done         map[string]map[int]int // id → pid → dones
	lastDone     map[int]int            // pid → seq of its last done
	confirmed    []string
	calls        map[string]bool // calls and probes sent → has an outcome
	lastHandling time.Time       // when a start, done or abort was last read
	changed      chan struct{}   // closed and replaced at every notify
}

func newWatch(t *testing.T) *watch {
	path := filepath.Join(t.ArtifactDir(), "history")
	rec, err := chaos.OpenRecorder(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := chaos.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	w := &watch{t: t, path: path, rec: rec, rd: rd,
		done: map[string]map[int]int{}, lastDone: map[int]int{},
		calls: map[string]bool{}, changed: make(chan struct{})}
	t.Cleanup(func() {
		rec.Close()
		rd.Close()
	})
	return w
}

// record appends e to the history and wakes the waiters.
func (w *watch) record(e chaos.Event) {
	if err := w.rec.Record(e); err != nil {
		w.t.Errorf("history: %v", err)
	}
	w.notify()
}

// notify wakes the waiters: something was appended.
func (w *watch) notify() {
	w.mu.Lock()
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
}

// refresh reads what was appended; w.mu is held.
func (w *watch) refresh() {
	events, err := w.rd.Next()
	if err != nil {
		w.t.Errorf("history: %v", err)
	}
	for _, e := range events {
		switch e.Kind {
		case chaos.Start, chaos.Done, chaos.Abort:
			w.lastHandling = time.Now()
		}
		switch e.Kind {
		case chaos.Done:
			count(w.done, e)
			w.lastDone[e.PID] = e.Seq
		case chaos.Confirmed:
			w.confirmed = append(w.confirmed, e.ID)
		case chaos.Call, chaos.Probe:
			w.calls[e.ID] = false
		case chaos.Answered, chaos.TimedOut, chaos.Errored:
			w.calls[e.ID] = true
		}
	}
	w.events = append(w.events, events...)
}

func count(m map[string]map[int]int, e chaos.Event) {
	if m[e.ID] == nil {
		m[e.ID] = map[int]int{}
	}
	m[e.ID][e.PID]++
}

// await waits until cond holds, evaluating it (with w.mu held, on a fresh
// reading) at every line any process appends, and reports whether it held
// within the time given.
func (w *watch) await(within time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		changed := w.changed
		w.refresh()
		ok := cond()
		w.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}

// mark is the seq the next event will have: a condition "after mark"
// concerns events written from now on.
func (w *watch) mark() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refresh()
	return len(w.events)
}

// outstanding counts the confirmed casts not yet done anywhere and the
// calls without an outcome; w.mu is held.
func (w *watch) outstanding() (casts, calls int) {
	for _, id := range w.confirmed {
		if len(w.done[id]) == 0 {
			casts++
		}
	}
	for _, answered := range w.calls {
		if !answered {
			calls++
		}
	}
	return casts, calls
}

// awaitSettled waits until every confirmed cast is done and every call has
// an outcome, or until no request has started or finished for quiet (what
// is left then will not be handled), or at most within. It returns what
// was still outstanding.
func (w *watch) awaitSettled(quiet, within time.Duration) (casts, calls int) {
	hard := time.Now().Add(within)
	w.mu.Lock()
	w.lastHandling = time.Now()
	w.mu.Unlock()
	for {
		w.mu.Lock()
		changed := w.changed
		w.refresh()
		casts, calls = w.outstanding()
		until := w.lastHandling.Add(quiet)
		w.mu.Unlock()
		if casts == 0 && calls == 0 {
			return 0, 0
		}
		if hard.Before(until) {
			until = hard
		}
		wait := time.Until(until)
		if wait <= 0 {
			return casts, calls
		}
		timer := time.NewTimer(wait)
		select {
		case <-changed:
		case <-timer.C:
		}
		timer.Stop()
	}
}
