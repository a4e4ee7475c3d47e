package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrBadWork is wrapped by every work-spec parse error.
var ErrBadWork = errors.New("bench: bad work spec")

// WorkSyntax is the grammar ParseWork accepts, for usage texts.
const WorkSyntax = `0 | sleep:D | cpu:D | mix:P%SPEC,P%SPEC,... (D a Go duration, percentages summing to 100), ` +
	`e.g. mix:90%cpu:50us,10%sleep:10ms`

// Work is what the endpoint does for each message: nothing, sleeping (I/O
// bound, such as a database call), burning CPU, or a mix of these.
type Work struct {
	parts []workPart // one part unless a mix; empty means no work
}

type workKind uint8

const (
	noWork workKind = iota
	sleepWork
	cpuWork
)

// workPart is one kind of work and, in a mix, its share in percent.
type workPart struct {
	kind workKind
	d    time.Duration
	pct  int
}

// ParseWork reads a work spec; see WorkSyntax.
func ParseWork(s string) (Work, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "mix:")
	if !ok {
		p, err := parsePart(s)
		if err != nil {
			return Work{}, err
		}
		if p.kind == noWork {
			return Work{}, nil
		}
		p.pct = 100
		return Work{parts: []workPart{p}}, nil
	}
	var w Work
	total := 0
	for item := range strings.SplitSeq(rest, ",") {
		pctText, spec, ok := strings.Cut(item, "%")
		pct, err := strconv.Atoi(pctText)
		if !ok || err != nil || pct <= 0 || pct > 100 {
			return Work{}, fmt.Errorf("%w: mix item %q: want P%%SPEC with P a percentage from 1 to 100, e.g. 90%%cpu:50us", ErrBadWork, item)
		}
		if strings.HasPrefix(spec, "mix:") {
			return Work{}, fmt.Errorf("%w: mix item %q: a mix cannot hold a mix", ErrBadWork, item)
		}
		p, err := parsePart(spec)
		if err != nil {
			return Work{}, err
		}
		p.pct = pct
		total += pct
		w.parts = append(w.parts, p)
	}
	if total != 100 {
		return Work{}, fmt.Errorf("%w: %q: mix percentages add up to %d, want 100", ErrBadWork, s, total)
	}
	return w, nil
}

func parsePart(s string) (workPart, error) {
	if s == "0" {
		return workPart{kind: noWork}, nil
	}
	name, dur, ok := strings.Cut(s, ":")
	kinds := map[string]workKind{"sleep": sleepWork, "cpu": cpuWork}
	kind, known := kinds[name]
	if !ok || !known {
		return workPart{}, fmt.Errorf("%w: %q: want %s", ErrBadWork, s, WorkSyntax)
	}
	d, err := time.ParseDuration(dur)
	if err != nil || d <= 0 {
		return workPart{}, fmt.Errorf("%w: %q: %q is not a positive duration such as 50us or 10ms (use 0 for no work)",
			ErrBadWork, s, dur)
	}
	return workPart{kind: kind, d: d}, nil
}

// String returns the spec in ParseWork's syntax.
func (w Work) String() string {
	if len(w.parts) == 0 {
		return "0"
	}
	if len(w.parts) == 1 && w.parts[0].pct == 100 {
		return w.parts[0].String()
	}
	items := make([]string, len(w.parts))
	for i, p := range w.parts {
		items[i] = strconv.Itoa(p.pct) + "%" + p.String()
	}
	return "mix:" + strings.Join(items, ",")
}

func (p workPart) String() string {
	switch p.kind {
	case sleepWork:
		return "sleep:" + p.d.String()
	case cpuWork:
		return "cpu:" + p.d.String()
	}
	return "0"
}

// IsZero reports whether w does nothing.
func (w Work) IsZero() bool { return len(w.parts) == 0 }

// Do performs the work for message number seq. In a mix, seq picks the part
// through a multiplicative hash, so the shares hold over any run of
// messages without a shared random source to contend on. Sleeping ends
// early when ctx does.
func (w Work) Do(ctx context.Context, seq uint64) {
	if len(w.parts) == 0 {
		return
	}
	switch p := w.pick(seq); p.kind {
	case sleepWork:
		t := time.NewTimer(p.d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	case cpuWork:
		burn(p.d)
	}
}

// pick is the part of a (possibly mixed) workload that message seq does.
func (w Work) pick(seq uint64) workPart {
	p := w.parts[0]
	if len(w.parts) > 1 {
		bucket := int((seq * 0x9E3779B97F4A7C15 >> 32) % 100)
		for _, p = range w.parts {
			if bucket < p.pct {
				break
			}
			bucket -= p.pct
		}
	}
	return p
}

// spec is w as [kind, seconds, percent] triples, for oslo.messaging's
// server, which does the same work.
func (w Work) spec() [][3]any {
	out := make([][3]any, 0, len(w.parts))
	for _, p := range w.parts {
		kind := "none"
		switch p.kind {
		case sleepWork:
			kind = "sleep"
		case cpuWork:
			kind = "cpu"
		}
		out = append(out, [3]any{kind, p.d.Seconds(), p.pct})
	}
	return out
}
