package chaos

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Event kinds, one per line of the history. The fields after the kind are
// listed in layouts.
const (
	Start       = "start"       // start <id> <pid>: a server began handling a request
	Done        = "done"        // done <id> <pid>: the handler finished its work
	Abort       = "abort"       // abort <id> <pid>: the handler was interrupted (its context ended)
	Up          = "up"          // up <pid> <name> <executor>: a server process begins, before its first start
	Stopped     = "stopped"     // stopped <pid> <ms> <budget ms> <error or ->: its graceful Stop returned
	Exit        = "exit"        // exit <pid> <code>: a server process ended (-1: by a signal)
	Fault       = "fault"       // fault <what> <pid>: the test acted against a server process
	Cast        = "cast"        // cast <id> <to>: a cast is about to be published (to: a server or *)
	Confirmed   = "confirmed"   // confirmed <id>: the broker confirmed the cast
	Unconfirmed = "unconfirmed" // unconfirmed <id> <error>: the publish failed
	Call        = "call"        // call <id> <timeout ms> <to>: a call is about to be sent
	Probe       = "probe"       // probe <id> <pid> <timeout ms>: an echo call to one server process
	Answered    = "answered"    // answered <id> <ms>: a call or probe got its reply after ms
	TimedOut    = "timedout"    // timedout <id> <ms>: a call or probe timed out after ms
	Errored     = "errored"     // errored <id> <ms> <error>: a call or probe failed otherwise
	Left        = "left"        // left <id> <queue>: still queued once every server had stopped
)

// Faults the test injects (the What of a Fault event).
const (
	FaultCut     = "cut"     // every connection of the process closed by its proxy
	FaultSilence = "silence" // its proxy forwards no more bytes; connections stay open
	FaultResume  = "resume"  // the end of a silence
	FaultRefuse  = "refuse"  // its proxy closes new connections at once
	FaultAllow   = "allow"   // the end of a refusal
	FaultKill    = "kill"    // SIGKILL
	FaultStop    = "stop"    // SIGTERM: a graceful Stop within the process's budget
)

// Event is one line of the history. Seq is its position: the history is
// one file that every process appends to, so line order is the order in
// which the events were written.
type Event struct {
	Seq    int
	Kind   string
	ID     string // the request's payload id
	PID    int    // the server process
	What   string // fault name (fault), server name (up), destination (cast, call)
	MS     int64  // elapsed or timeout in ms, or the exit code (exit)
	Budget int64  // a graceful stop's budget in ms (stopped)
	Text   string // an error, or the executor (up); the rest of the line
}

// layouts are the fields of each kind, in order. text takes the rest of the
// line.
var layouts = map[string][]string{
	Start: {"id", "pid"}, Done: {"id", "pid"}, Abort: {"id", "pid"},
	Up:          {"pid", "what", "text"},
	Stopped:     {"pid", "ms", "budget", "text"},
	Exit:        {"pid", "ms"},
	Fault:       {"what", "pid"},
	Cast:        {"id", "what"},
	Confirmed:   {"id"},
	Unconfirmed: {"id", "text"},
	Call:        {"id", "ms", "what"},
	Probe:       {"id", "pid", "ms"},
	Answered:    {"id", "ms"}, TimedOut: {"id", "ms"},
	Errored: {"id", "ms", "text"},
	Left:    {"id", "what"},
}

// String formats e as its history line, without the newline. Text is made
// one line; an empty Text is written as "-".
func (e Event) String() string {
	fields := []string{e.Kind}
	for _, f := range layouts[e.Kind] {
		switch f {
		case "id":
			fields = append(fields, e.ID)
		case "pid":
			fields = append(fields, strconv.Itoa(e.PID))
		case "what":
			fields = append(fields, e.What)
		case "ms":
			fields = append(fields, strconv.FormatInt(e.MS, 10))
		case "budget":
			fields = append(fields, strconv.FormatInt(e.Budget, 10))
		case "text":
			text := strings.Join(strings.Fields(e.Text), " ")
			if text == "" {
				text = "-"
			}
			fields = append(fields, text)
		}
	}
	return strings.Join(fields, " ")
}

// ParseEvent reads one history line (without its newline).
func ParseEvent(line string) (Event, error) {
	kind, rest, _ := strings.Cut(line, " ")
	layout, ok := layouts[kind]
	if !ok {
		return Event{}, fmt.Errorf("chaos: history line %q: unknown kind %q", line, kind)
	}
	e := Event{Kind: kind}
	for _, f := range layout {
		var v string
		if f == "text" {
			v, rest = rest, ""
		} else {
			v, rest, _ = strings.Cut(rest, " ")
		}
		if v == "" {
			return Event{}, fmt.Errorf("chaos: history line %q: missing %s", line, f)
		}
		if err := e.set(f, v); err != nil {
			return Event{}, fmt.Errorf("chaos: history line %q: %s: %w", line, f, err)
		}
	}
	if rest != "" {
		return Event{}, fmt.Errorf("chaos: history line %q: unexpected %q", line, rest)
	}
	return e, nil
}

func (e *Event) set(field, v string) (err error) {
	switch field {
	case "id":
		e.ID = v
	case "pid":
		e.PID, err = strconv.Atoi(v)
	case "what":
		e.What = v
	case "ms":
		e.MS, err = strconv.ParseInt(v, 10, 64)
	case "budget":
		e.Budget, err = strconv.ParseInt(v, 10, 64)
	case "text":
		if v != "-" {
			e.Text = v
		}
	default:
		err = errors.New("unknown field")
	}
	return err
}
