package chaos

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Summary prints the counts, one topic a line, then the verdict.
func (r Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "casts: sent %d, confirmed %d, unconfirmed %d; of the confirmed, handled %d, still queued %d, lost %d\n",
		r.CastsSent, r.CastsConfirmed, r.CastsUnconfirmed, r.CastsHandled, r.CastsLeft, r.CastsLost)
	fmt.Fprintf(&b, "handlings: %d done lines; ids done by more than one process %d, more than once by one process %d\n",
		r.Handlings, r.DupAcross, r.DupWithin)
	fmt.Fprintf(&b, "calls: sent %d, answered %d, timed out %d, errored %d; probes: answered %d of %d\n",
		r.Calls, r.Answered, r.TimedOut, r.Errored, r.ProbesAnswered, r.Probes)
	faults := make([]string, 0, len(r.Faults))
	for _, f := range slices.Sorted(maps.Keys(r.Faults)) {
		faults = append(faults, fmt.Sprintf("%s %d", f, r.Faults[f]))
	}
	fmt.Fprintf(&b, "faults: %s\n", strings.Join(faults, ", "))
	stops := make([]string, len(r.Stops))
	for i, s := range r.Stops {
		stops[i] = fmt.Sprintf("pid %d %s of %s", s.PID, s.Took.Round(time.Millisecond), s.Budget)
		if s.Err != "" {
			stops[i] += " (" + s.Err + ")"
		}
	}
	fmt.Fprintf(&b, "graceful stops: %s\n", strings.Join(stops, "; "))
	if len(r.Violations) == 0 {
		b.WriteString("verdict: valid\n")
	} else {
		fmt.Fprintf(&b, "verdict: %d violations\n", len(r.Violations))
	}
	return b.String()
}
