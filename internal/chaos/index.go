package chaos

import "fmt"

// hist is a history indexed for the checker. Processes are keyed by pid
// and incarnation (see key), since the system may give a pid again to a
// later process of a long run.
type hist struct {
	orig        map[int]Event      // the history as read, by Seq
	byID        map[string][]Event // every event naming the id
	starts      map[string][]Event
	dones       map[string][]Event
	casts       []Event
	calls       []Event // calls and probes, in order
	sent        map[string]bool
	sentAt      map[string]int // seq of the cast, call or probe line
	confirmed   map[string]bool
	unconfirmed map[string]bool
	left        map[string]bool // still queued at the end
	outcomes    map[string][]Event
	faults      map[int][]Event // by target pid
	procs       map[int]*proc
}

// proc is what the history says of one server process.
type proc struct {
	up      *Event
	stop    *Event // the test's fault stop (SIGTERM)
	stopped *Event // the process's own report of its Stop
	exit    *Event
	killed  bool
}

func (p *proc) name() string {
	if p == nil || p.up == nil {
		return "never up"
	}
	return p.up.What + ", " + p.up.Text
}

func (p *proc) exitText() string {
	if p.exit == nil {
		return "no exit recorded"
	}
	if p.exit.MS < 0 {
		return "killed by a signal"
	}
	return fmt.Sprintf("exit code %d", p.exit.MS)
}

// pidStride separates incarnations of a pid in a key: pids are below 2^22
// on Linux.
const pidStride = 1 << 22

// key is the process key of the n-th process (from 1) with pid.
func key(pid, n int) int {
	if n <= 1 {
		return pid
	}
	return pid + (n-1)*pidStride
}

// label names the process with key k in messages.
func label(k int) string {
	if k < pidStride {
		return fmt.Sprintf("pid %d", k)
	}
	return fmt.Sprintf("pid %d (process %d with that pid)", k%pidStride, k/pidStride+1)
}

// hasPID says which kinds name a server process.
var hasPID = map[string]bool{Start: true, Done: true, Abort: true, Up: true, Stopped: true,
	Exit: true, Fault: true, Probe: true}

func index(events []Event) *hist {
	ups := map[int]int{} // pid → up lines so far: its incarnation
	h := &hist{
		orig: map[int]Event{},
		byID: map[string][]Event{}, starts: map[string][]Event{}, dones: map[string][]Event{},
		sent: map[string]bool{}, sentAt: map[string]int{}, confirmed: map[string]bool{}, unconfirmed: map[string]bool{}, left: map[string]bool{},
		outcomes: map[string][]Event{}, faults: map[int][]Event{}, procs: map[int]*proc{},
	}
	for _, e := range events {
		h.orig[e.Seq] = e
		if e.Kind == Up {
			ups[e.PID]++
		}
		if hasPID[e.Kind] {
			e.PID = key(e.PID, ups[e.PID])
		}
		if e.ID != "" {
			h.byID[e.ID] = append(h.byID[e.ID], e)
		}
		switch e.Kind {
		case Start:
			h.starts[e.ID] = append(h.starts[e.ID], e)
		case Done:
			h.dones[e.ID] = append(h.dones[e.ID], e)
		case Cast:
			h.casts = append(h.casts, e)
			h.sent[e.ID], h.sentAt[e.ID] = true, e.Seq
		case Call, Probe:
			h.calls = append(h.calls, e)
			h.sent[e.ID], h.sentAt[e.ID] = true, e.Seq
		case Confirmed:
			h.confirmed[e.ID] = true
		case Unconfirmed:
			h.unconfirmed[e.ID] = true
		case Left:
			h.left[e.ID] = true
		case Answered, TimedOut, Errored:
			h.outcomes[e.ID] = append(h.outcomes[e.ID], e)
		case Fault:
			h.faults[e.PID] = append(h.faults[e.PID], e)
			switch e.What {
			case FaultKill:
				h.proc(e.PID).killed = true
			case FaultStop:
				h.proc(e.PID).stop = &e
			}
		case Up:
			h.proc(e.PID).up = &e
		case Stopped:
			h.proc(e.PID).stopped = &e
		case Exit:
			h.proc(e.PID).exit = &e
		}
	}
	return h
}

func (h *hist) proc(pid int) *proc {
	p := h.procs[pid]
	if p == nil {
		p = &proc{}
		h.procs[pid] = p
	}
	return p
}

// firstStart is the seq of pid's first start of id, or -1.
func (h *hist) firstStart(id string, pid int) int {
	for _, s := range h.starts[id] {
		if s.PID == pid {
			return s.Seq
		}
	}
	return -1
}
