package chaos_test

import (
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/chaos"
)

// history parses a made-up history, one event a line.
func history(t *testing.T, text string) []chaos.Event {
	t.Helper()
	var events []chaos.Event
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		e, err := chaos.ParseEvent(strings.TrimSpace(line))
		if err != nil {
			t.Fatal(err)
		}
		e.Seq = len(events)
		events = append(events, e)
	}
	return events
}

// A server's life around the cases below: up, and stopped at the end.
const (
	up1   = "up 101 s1 pool\n"
	up2   = "up 102 s1 pool\n"
	stop1 = "fault stop 101\nstopped 101 20 5000 -\nexit 101 0\n"
	stop2 = "fault stop 102\nstopped 102 20 5000 -\nexit 102 0\n"
	kill1 = "fault kill 101\nexit 101 -1\n"
	cast1 = "cast c1 *\nconfirmed c1\n"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		history string
		want    []string // a substring of each violation, in order
	}{
		{"cast handled once", up1 + cast1 + "start c1 101\ndone c1 101\n" + stop1, nil},
		{"confirmed cast never handled", up1 + cast1 + "start c1 101\n" + stop1, []string{"lost: cast c1"}},
		{"confirmed cast not handled, still queued at the end", up1 + cast1 + stop1 + "left c1 topic\n", nil},
		{"unconfirmed cast not handled", up1 + "cast c1 *\nunconfirmed c1 broker gone\n" + stop1, nil},
		{"cut then kill: copies acked, then lost (the known bug)",
			up1 + cast1 + "start c1 101\nfault cut 101\n" + kill1 + up2 + stop2, []string{"lost: cast c1"}},
		{"handled twice by one process across a cut",
			up1 + cast1 + "start c1 101\nfault cut 101\nstart c1 101\ndone c1 101\ndone c1 101\n" + stop1,
			[]string{"handled twice by one process: c1 done 2 times by pid 101"}},
		{"handled again by the next process after a kill",
			up1 + cast1 + "start c1 101\ndone c1 101\n" + kill1 + up2 + "start c1 102\ndone c1 102\n" + stop2, nil},
		{"handled again by another process after a cut",
			up1 + up2 + cast1 + "start c1 101\nfault cut 101\nstart c1 102\ndone c1 102\ndone c1 101\n" + stop1 + stop2, nil},
		{"a later process with the same pid is another process",
			up1 + cast1 + "start c1 101\ndone c1 101\n" + kill1 + up1 + "start c1 101\ndone c1 101\n" + stop1, nil},
		{"the same pid, twice in its second process",
			up1 + cast1 + kill1 + up1 + "start c1 101\ndone c1 101\nfault cut 101\nstart c1 101\ndone c1 101\n" + stop1,
			[]string{"done 2 times by pid 101 (process 2 with that pid)"}},
		{"handled by two processes, no fault",
			up1 + up2 + cast1 + "start c1 101\ndone c1 101\nstart c1 102\ndone c1 102\n" + stop1 + stop2,
			[]string{"handled by two processes with no fault to explain it: c1"}},
		{"handled by two processes, the fault after both started",
			up1 + up2 + cast1 + "start c1 101\nstart c1 102\nfault cut 101\ndone c1 101\ndone c1 102\n" + stop1 + stop2,
			[]string{"handled by two processes with no fault to explain it: c1"}},
		{"handled by another process, then by one that was cut before it started (a stale copy)",
			up1 + up2 + cast1 + "fault cut 102\nstart c1 101\ndone c1 101\nstart c1 102\ndone c1 102\n" + stop1 + stop2, nil},
		{"handled by two processes, the only fault before the send",
			up1 + up2 + "fault cut 102\n" + cast1 + "start c1 101\ndone c1 101\nstart c1 102\ndone c1 102\n" + stop1 + stop2,
			[]string{"handled by two processes with no fault to explain it: c1"}},
		{"call answered", up1 + "call k1 5000 *\nstart k1 101\ndone k1 101\nanswered k1 12\n" + stop1, nil},
		{"call timed out", up1 + "call k1 5000 *\nstart k1 101\ntimedout k1 5004\n" + stop1, nil},
		{"call without outcome", up1 + "call k1 5000 *\n" + stop1, []string{"call k1 to * (timeout 5s) has 0 outcomes"}},
		{"call returned late", up1 + "call k1 5000 *\ntimedout k1 9000\n" + stop1, []string{"returned after 9s, past its timeout 5s + 3s"}},
		{"call failed", up1 + "call k1 5000 *\nerrored k1 3 channel closed\n" + stop1, []string{"failed after 3ms: channel closed"}},
		{"call answered, never handled", up1 + "call k1 5000 *\nanswered k1 3\n" + stop1, []string{"answered but never handled"}},
		{"probe answered", up1 + "probe p1 101 10000\nstart p1 101\ndone p1 101\nanswered p1 4\n" + stop1, nil},
		{"probe timed out: wedged", up1 + "probe p1 101 10000\ntimedout p1 10001\n" + stop1, []string{"server wedged: probe p1 of pid 101 (s1, pool)"}},
		{"stop over budget", up1 + "fault stop 101\nstopped 101 6100 5000 -\nexit 101 3\n",
			[]string{"took 6.1s, over its budget 5s + 1s", "exit code 3, want exit code 0"}},
		{"stop within budget with tasks running", up1 + "fault stop 101\nstopped 101 5003 5000 listener: stop: tasks still running\nexit 101 0\n", nil},
		{"stop never returned", up1 + "fault stop 101\nexit 101 -1\n", []string{"Stop never returned (killed by a signal)"}},
		{"exit by itself", up1 + "exit 101 4\n", []string{"pid 101 (s1, pool) ended by itself: exit code 4"}},
		{"still running", up1, []string{"pid 101 (s1, pool) still running"}},
		{"handled, never sent", up1 + "start x1 101\ndone x1 101\n" + stop1, []string{"handled a request never sent: x1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := chaos.Check(history(t, tc.history), chaos.Options{CallSlack: 3 * time.Second, StopGrace: time.Second})
			if len(r.Violations) != len(tc.want) {
				t.Fatalf("got %d violations, want %d:\n%s", len(r.Violations), len(tc.want), strings.Join(r.Violations, "\n"))
			}
			for i, v := range r.Violations {
				if !strings.Contains(v, tc.want[i]) {
					t.Errorf("violation %d: got %q, want it to contain %q", i, v, tc.want[i])
				}
			}
		})
	}
}

// TestCheckCounts: the summary's numbers, on one history with some of
// everything.
func TestCheckCounts(t *testing.T) {
	events := history(t, up1+up2+cast1+"cast c2 s1\nconfirmed c2\ncast c3 *\nunconfirmed c3 x\n"+
		"start c1 101\nfault cut 101\nstart c1 102\ndone c1 102\ndone c1 101\n"+
		"start c2 101\n"+"call k1 5000 *\nstart k1 102\ndone k1 102\nanswered k1 10\n"+
		"call k2 5000 *\ntimedout k2 5000\nprobe p1 102 10000\nstart p1 102\ndone p1 102\nanswered p1 3\n"+
		kill1+stop2)
	r := chaos.Check(events, chaos.Options{CallSlack: time.Second, StopGrace: time.Second})
	got := r.Counts
	want := chaos.Counts{CastsSent: 3, CastsConfirmed: 2, CastsUnconfirmed: 1, CastsHandled: 1, CastsLost: 1,
		Handlings: 4, DupAcross: 1, Calls: 2, Answered: 1, TimedOut: 1, Probes: 1, ProbesAnswered: 1}
	got.Faults, got.Stops = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("counts: got %+v, want %+v", got, want)
	}
	if f := r.Faults; f[chaos.FaultCut] != 1 || f[chaos.FaultKill] != 1 || f[chaos.FaultStop] != 1 || len(f) != 3 {
		t.Errorf("faults: got %v, want cut 1, kill 1, stop 1", f)
	}
	if len(r.Stops) != 1 || r.Stops[0].PID != 102 || r.Stops[0].Took != 20*time.Millisecond {
		t.Errorf("stops: got %+v, want pid 102 in 20ms", r.Stops)
	}
	if len(r.Violations) != 1 || !strings.Contains(r.Violations[0], "lost: cast c2") {
		t.Errorf("violations: got %q, want c2 lost", r.Violations)
	}
	if s := r.Summary(); !strings.Contains(s, "handled 1, still queued 0, lost 1") || !strings.Contains(s, "verdict: 1 violations") {
		t.Errorf("summary:\n%s\nwant the counts and the verdict", s)
	}
}

var chaosHistory = flag.String("chaos.history", "", "a history file for TestCheckHistory to check (empty skips it)")

// TestCheckHistory checks a saved history again, e.g. one kept with
// -artifacts: go test ./internal/chaos -run CheckHistory -chaos.history=PATH
func TestCheckHistory(t *testing.T) {
	if *chaosHistory == "" {
		t.Skip("TestCheckHistory runs on demand: -chaos.history=PATH")
	}
	events, err := chaos.ReadAll(*chaosHistory)
	if err != nil {
		t.Fatal(err)
	}
	r := chaos.Check(events, chaos.Options{CallSlack: callSlack, StopGrace: chaos.StopGrace})
	t.Logf("checker (%d events):\n%s", len(events), r.Summary())
	for _, v := range r.Violations {
		t.Error(v)
	}
}
