package chaos_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rpcexec/rpcexec/internal/chaos"
)

func TestEventRoundTrip(t *testing.T) {
	events := []chaos.Event{
		{Kind: chaos.Start, ID: "c1", PID: 7},
		{Kind: chaos.Done, ID: "c1", PID: 7},
		{Kind: chaos.Abort, ID: "c1", PID: 7},
		{Kind: chaos.Up, PID: 7, What: "s1", Text: "pool"},
		{Kind: chaos.Stopped, PID: 7, MS: 12, Budget: 5000, Text: "listener: stop: tasks still running"},
		{Kind: chaos.Stopped, PID: 7, MS: 12, Budget: 5000},
		{Kind: chaos.Exit, PID: 7, MS: -1},
		{Kind: chaos.Fault, What: chaos.FaultCut, PID: 7},
		{Kind: chaos.Cast, ID: "c2", What: "*"},
		{Kind: chaos.Confirmed, ID: "c2"},
		{Kind: chaos.Unconfirmed, ID: "c2", Text: "no route"},
		{Kind: chaos.Call, ID: "k1", MS: 5000, What: "s2"},
		{Kind: chaos.Probe, ID: "p1", PID: 7, MS: 10000},
		{Kind: chaos.Answered, ID: "k1", MS: 3},
		{Kind: chaos.TimedOut, ID: "k1", MS: 5001},
		{Kind: chaos.Errored, ID: "k1", MS: 2, Text: "a b"},
		{Kind: chaos.Left, ID: "c3", What: "topic.s1"},
	}
	for _, want := range events {
		line := want.String()
		got, err := chaos.ParseEvent(line)
		if err != nil {
			t.Errorf("ParseEvent(%q): %v", line, err)
			continue
		}
		if got != want {
			t.Errorf("ParseEvent(%q): got %+v, want %+v", line, got, want)
		}
	}
	// Text is one line.
	if got := (chaos.Event{Kind: chaos.Errored, ID: "k1", MS: 2, Text: "a\nb"}).String(); got != "errored k1 2 a b" {
		t.Errorf("multi-line text: got %q, want %q", got, "errored k1 2 a b")
	}
}

func TestParseEventRejects(t *testing.T) {
	for _, line := range []string{"", "begin c1 7", "start c1", "start c1 x", "start c1 7 8", "exit 7", "confirmed"} {
		if e, err := chaos.ParseEvent(line); err == nil {
			t.Errorf("ParseEvent(%q): got %+v, want an error", line, e)
		}
	}
}

// TestRecorderInterleaving: writers on separate file descriptors (as
// separate processes have) append concurrently while a reader follows;
// every line arrives whole, once, in an order that keeps each writer's
// own order.
func TestRecorderInterleaving(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	const writers, each = 4, 500
	recs := make([]*chaos.Recorder, writers)
	for i := range recs {
		r, err := chaos.OpenRecorder(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		recs[i] = r
	}
	rd, err := chaos.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var wg sync.WaitGroup
	for w, r := range recs {
		wg.Go(func() {
			for i := range each {
				if err := r.Record(chaos.Event{Kind: chaos.Start, ID: fmt.Sprintf("id-%d-%d", w, i), PID: w}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var got []chaos.Event
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		events, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, events...)
	}
	if len(got) != writers*each {
		t.Fatalf("got %d events, want %d", len(got), writers*each)
	}
	next := make([]int, writers)
	for i, e := range got {
		if e.Seq != i {
			t.Fatalf("event %d has Seq %d", i, e.Seq)
		}
		if want := fmt.Sprintf("id-%d-%d", e.PID, next[e.PID]); e.ID != want {
			t.Fatalf("event %d: got %s from writer %d, want %s", i, e.ID, e.PID, want)
		}
		next[e.PID]++
	}
}
