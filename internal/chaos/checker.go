package chaos

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Options are the checker's bounds.
type Options struct {
	// CallSlack is how long past its timeout a call or probe may return.
	CallSlack time.Duration
	// StopGrace is how long past its budget a graceful Stop may return.
	StopGrace time.Duration
}

// Report is the checker's verdict on a history: what happened, counted,
// and every broken promise, each with the history of the ids involved.
type Report struct {
	Counts
	Violations []string
}

// Counts summarise a history.
type Counts struct {
	CastsSent, CastsConfirmed, CastsUnconfirmed int
	CastsHandled, CastsLeft, CastsLost          int // confirmed casts done, still queued at the end, neither
	Handlings                                   int // done lines of every request
	DupAcross                                   int // ids done by more than one process
	DupWithin                                   int // ids done more than once by one process
	Calls, Answered, TimedOut, Errored          int
	Probes, ProbesAnswered                      int
	Faults                                      map[string]int
	Stops                                       []StopTime
}

// StopTime is how long one graceful Stop took.
type StopTime struct {
	PID          int
	Took, Budget time.Duration
	Err          string
}

// Check applies the rules to a history (events in file order):
//
//   - at-least-once: every confirmed cast has a done in some process, or
//     is still queued when every server has stopped (left);
//   - exactly once within a process: no process records done twice for
//     one id — dedup drops every redelivery while the process lives, a cut
//     or a silence included;
//   - across processes a second done is allowed only when the broker had a
//     reason to deliver the request again: a fault (cut, silence, refuse,
//     kill, stop) against one of the processes that started it, after it
//     was sent and before the later process started it (see explained);
//   - every call and probe has one outcome, returned within its timeout +
//     CallSlack, and is answered or timed out, never failed otherwise; an
//     answered call was handled;
//   - no server wedged: every probe (an echo to one process after the
//     faults) is answered;
//   - every graceful stop (fault stop) is followed by the process's stopped
//     line within budget + StopGrace and by exit code 0; no process exits
//     unless killed or stopped, and none is left running.
func Check(events []Event, o Options) Report {
	h := index(events)
	r := &Report{Counts: Counts{Faults: map[string]int{}}}
	for _, e := range events {
		switch e.Kind {
		case Done:
			r.Handlings++
		case Fault:
			r.Faults[e.What]++
		}
	}
	h.checkCasts(r)
	h.checkDuplicates(r)
	h.checkCalls(r, o)
	h.checkProcesses(r, o)
	return *r
}

func (r *Report) violate(format string, args ...any) {
	r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
}

func (h *hist) checkCasts(r *Report) {
	for _, c := range h.casts {
		r.CastsSent++
		switch {
		case h.confirmed[c.ID]:
			r.CastsConfirmed++
			switch {
			case len(h.dones[c.ID]) > 0:
				r.CastsHandled++
			case h.left[c.ID]:
				r.CastsLeft++
			default:
				r.CastsLost++
				r.violate("lost: cast %s (to %s) was confirmed, never handled and is not queued; %s", c.ID, c.What, h.story(c.ID))
			}
		case h.unconfirmed[c.ID]:
			r.CastsUnconfirmed++
		}
	}
	for _, id := range slices.Sorted(maps.Keys(h.starts)) {
		if _, ok := h.sent[id]; !ok {
			r.violate("handled a request never sent: %s; %s", id, h.story(id))
		}
	}
}

func (h *hist) checkDuplicates(r *Report) {
	for _, id := range slices.Sorted(maps.Keys(h.dones)) {
		per := map[int][]int{} // pid → seqs of its dones
		for _, d := range h.dones[id] {
			per[d.PID] = append(per[d.PID], d.Seq)
		}
		twice := false
		for _, pid := range slices.Sorted(maps.Keys(per)) {
			if seqs := per[pid]; len(seqs) > 1 {
				twice = true
				r.violate("handled twice by one process: %s done %d times by %s (lines %v); "+
					"a process must drop every redelivery while it lives; %s", id, len(seqs), label(pid), seqs, h.story(id))
			}
		}
		if twice {
			r.DupWithin++
		}
		if len(per) < 2 {
			continue
		}
		r.DupAcross++
		for pid := range per {
			if !h.explained(id, pid) {
				var pids []string
				for _, k := range slices.Sorted(maps.Keys(per)) {
					pids = append(pids, label(k))
				}
				r.violate("handled by two processes with no fault to explain it: %s done by %s, "+
					"and none of its handlers was cut, silenced, refused, killed or stopped between its send and the later start; %s",
					id, strings.Join(pids, " and "), h.story(id))
				break
			}
		}
	}
}

// explained reports whether pid's handling of id needs no reason (no
// other process started id before it) or has one: a fault against one of
// id's handlers, pid included, after id was sent and before pid started
// it. A handler that was cut, silenced or refused lost the channel it had
// id on, so the broker gave id to another consumer; a process may also run
// a copy it received before its own channel died (a blocking executor's
// batch does), which is why pid's own faults count too.
func (h *hist) explained(id string, pid int) bool {
	first := h.firstStart(id, pid)
	if first < 0 {
		return false // done without start: only a broken history has that
	}
	earlier := false
	for _, s := range h.starts[id] {
		earlier = earlier || (s.PID != pid && s.Seq < first)
	}
	if !earlier {
		return true
	}
	for _, s := range h.starts[id] {
		for _, f := range h.faults[s.PID] {
			if f.Seq > h.sentAt[id] && f.Seq < first {
				return true
			}
		}
	}
	return false
}

func (h *hist) checkCalls(r *Report, o Options) {
	for _, c := range h.calls {
		probe := c.Kind == Probe
		if probe {
			r.Probes++
		} else {
			r.Calls++
		}
		timeout := time.Duration(c.MS) * time.Millisecond
		outs := h.outcomes[c.ID]
		who := fmt.Sprintf("call %s to %s", c.ID, c.What)
		if probe {
			who = fmt.Sprintf("probe %s of %s (%s)", c.ID, label(c.PID), h.procs[c.PID].name())
		}
		if len(outs) != 1 {
			r.violate("%s (timeout %s) has %d outcomes, want 1 (none: it hung); %s", who, timeout, len(outs), h.story(c.ID))
			continue
		}
		out := outs[0]
		took := time.Duration(out.MS) * time.Millisecond
		if took > timeout+o.CallSlack {
			r.violate("%s returned after %s, past its timeout %s + %s", who, took, timeout, o.CallSlack)
		}
		switch out.Kind {
		case Answered:
			if probe {
				r.ProbesAnswered++
			} else {
				r.Answered++
			}
			if len(h.dones[c.ID]) == 0 {
				r.violate("%s was answered but never handled; %s", who, h.story(c.ID))
			}
		case TimedOut:
			if probe {
				r.violate("server wedged: %s not answered within %s after the last fault; %s", who, timeout, h.story(c.ID))
			} else {
				r.TimedOut++
			}
		case Errored:
			if !probe {
				r.Errored++
			}
			r.violate("%s failed after %s: %s", who, took, out.Text)
		}
	}
}

func (h *hist) checkProcesses(r *Report, o Options) {
	for _, pid := range slices.Sorted(maps.Keys(h.procs)) {
		p := h.procs[pid]
		if p.stopped != nil {
			took := time.Duration(p.stopped.MS) * time.Millisecond
			budget := time.Duration(p.stopped.Budget) * time.Millisecond
			r.Stops = append(r.Stops, StopTime{PID: pid % pidStride, Took: took, Budget: budget, Err: p.stopped.Text})
			if took > budget+o.StopGrace {
				r.violate("graceful stop of %s (%s) took %s, over its budget %s + %s", label(pid), p.name(), took, budget, o.StopGrace)
			}
		}
		switch {
		case p.stop != nil && p.stopped == nil:
			r.violate("graceful stop of %s (%s): Stop never returned (%s)", label(pid), p.name(), p.exitText())
		case p.stop != nil && (p.exit == nil || p.exit.MS != 0):
			r.violate("graceful stop of %s (%s): %s, want exit code 0", label(pid), p.name(), p.exitText())
		case p.stop == nil && !p.killed && p.exit != nil:
			r.violate("%s (%s) ended by itself: %s", label(pid), p.name(), p.exitText())
		case p.exit == nil:
			r.violate("%s (%s) still running when the history ends", label(pid), p.name())
		}
	}
}

// story is the history of id, in order: who sent, started, finished or
// answered it, and the faults against its handlers since they started it.
func (h *hist) story(id string) string {
	var lines []Event
	handlers := map[int]int{} // pid → seq of its first start
	for _, e := range h.byID[id] {
		lines = append(lines, e)
		if e.Kind == Start {
			if _, ok := handlers[e.PID]; !ok {
				handlers[e.PID] = e.Seq
			}
		}
	}
	for pid, since := range handlers {
		for _, f := range h.faults[pid] {
			if f.Seq > since {
				lines = append(lines, f)
			}
		}
		if p := h.procs[pid]; p != nil && p.exit != nil {
			lines = append(lines, *p.exit)
		}
	}
	slices.SortFunc(lines, func(a, b Event) int { return cmp.Compare(a.Seq, b.Seq) })
	parts := make([]string, len(lines))
	for i, e := range lines {
		parts[i] = fmt.Sprintf("#%d %s", e.Seq, h.orig[e.Seq])
	}
	return "history of " + id + ": " + strings.Join(parts, " | ")
}
