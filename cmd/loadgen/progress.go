package main

import (
	"fmt"
	"io"
	"os"

	"github.com/rpcexec/rpcexec/bench"
	"github.com/rpcexec/rpcexec/bench/report"
	"golang.org/x/term"
)

// progress shows a run's state on one line of stderr, rewritten in place,
// when stderr is a terminal: someone is watching. Anything else (a file,
// a pipe, /dev/null, which is a character device but no terminal) gets no
// progress lines.
type progress struct {
	w     io.Writer // nil: quiet
	shown bool
}

func newProgress(stderr io.Writer) *progress {
	if isTerminal(stderr) {
		return &progress{w: stderr}
	}
	return &progress{}
}

// isTerminal reports whether w is a terminal, as isatty(3) says.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// show is called from the run's sampler goroutine, never concurrently
// with clear, which runs after the run has returned.
func (p *progress) show(s bench.Progress) {
	if p.w == nil {
		return
	}
	rate := float64(s.Handled) / max(s.Elapsed.Seconds(), 1e-9)
	of := ""
	if s.Expected > 0 {
		of = fmt.Sprintf(" of %s (%.0f%%)", report.Thousands(float64(s.Expected)), 100*float64(s.Handled)/float64(s.Expected))
	}
	fmt.Fprintf(p.w, "\r\033[K%s: %s handled%s, %s msgs/s, %.1fs", s.Strategy,
		report.Thousands(float64(s.Handled)), of, report.Thousands(rate), s.Elapsed.Seconds())
	p.shown = true
}

// clear erases the progress line.
func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
