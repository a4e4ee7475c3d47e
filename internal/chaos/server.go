package chaos

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/listener"
)

// Environment of a server process. The rpcexec configuration comes from
// the RPCEXEC_* variables (rpcexec.LoadConfig), the rest from these.
const (
	ServerEnv     = "CHAOS_SERVER"      // "1": this process is a chaos server
	HistoryEnv    = "CHAOS_HISTORY"     // the history file
	TopicEnv      = "CHAOS_TOPIC"       // the target's topic
	NameEnv       = "CHAOS_NAME"        // the target's server name
	StopBudgetEnv = "CHAOS_STOP_BUDGET" // how long a graceful Stop may take (Go duration)
)

// Exit codes of a server process.
const (
	ExitStopped   = 0 // stopped on SIGTERM within its budget
	ExitSetup     = 2 // could not start
	ExitLateStop  = 3 // Stop took longer than its budget (and StopGrace)
	ExitBySelf    = 4 // the server stopped by itself (gave up reconnecting)
	readyLine     = "ready"
	statsLine     = "stats"
	statsInterval = 25 * time.Millisecond
)

// StopGrace is how far past its budget a graceful Stop may return and still
// count as keeping it: closing the transport after the budget ended.
const StopGrace = time.Second

// ServerMain runs a server process as its environment says and returns its
// exit code: the test binary calls it from TestMain when ServerEnv is 1.
// It serves until SIGTERM, then stops gracefully within its budget and
// records how long that took. Its stdout carries "ready" once it consumes,
// every history line it records, and "stats <received> <acked> <requeued>
// <rejected>" whenever the server's counters change and after every start
// (so a reader who has seen a start line and then a stats line knows the
// counters include that request); its stderr carries the server's log.
func ServerMain() int {
	out := &lockedWriter{w: os.Stdout}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fail := func(err error) int {
		log.Error("chaos server: cannot start", "err", err)
		return ExitSetup
	}
	budget, err := time.ParseDuration(os.Getenv(StopBudgetEnv))
	if err != nil {
		return fail(fmt.Errorf("%s: %w", StopBudgetEnv, err))
	}
	rec, err := OpenRecorder(os.Getenv(HistoryEnv), out)
	if err != nil {
		return fail(err)
	}
	defer rec.Close()
	cfg, err := rpcexec.LoadConfig("")
	if err != nil {
		return fail(err)
	}
	cfg.Logger = log
	pid := os.Getpid()
	name := os.Getenv(NameEnv)
	// Before anything this process records: the checker tells processes
	// that had the same pid apart by their up lines.
	if err := rec.Record(Event{Kind: Up, PID: pid, What: name, Text: cfg.Executor}); err != nil {
		return fail(err)
	}
	rep := &reporter{out: out}
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: os.Getenv(TopicEnv), Server: name},
		dispatch.New(Endpoint(rec, pid, func() { rep.report(true) })))
	if err != nil {
		return fail(err)
	}
	rep.srv = srv
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	err = srv.Start(ctx)
	cancel()
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(out, readyLine)
	return serve(srv, rep, term, rec, pid, budget, log)
}

// serve reports the server's counters until SIGTERM or the server stops by
// itself, then stops it within budget.
func serve(srv *rpcexec.Server, rep *reporter, term <-chan os.Signal, rec *Recorder, pid int,
	budget time.Duration, log *slog.Logger) int {
	tick := time.NewTicker(statsInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			rep.report(false)
		case <-srv.Done():
			log.Error("chaos server: stopped by itself", "err", srv.Err())
			return ExitBySelf
		case <-term:
			ctx, cancel := context.WithTimeout(context.Background(), budget)
			start := time.Now()
			err := srv.Stop(ctx)
			took := time.Since(start)
			cancel()
			text := "-"
			if err != nil {
				text = err.Error()
			}
			if rerr := rec.Record(Event{Kind: Stopped, PID: pid, MS: took.Milliseconds(),
				Budget: budget.Milliseconds(), Text: text}); rerr != nil {
				log.Error("chaos server: recording the stop", "err", rerr)
			}
			if took > budget+StopGrace {
				return ExitLateStop
			}
			return ExitStopped
		}
	}
}

// reporter prints the server's counters.
type reporter struct {
	mu   sync.Mutex
	out  io.Writer
	srv  *rpcexec.Server
	last listener.Stats
}

// report prints the counters if they changed, or always.
func (r *reporter) report(always bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.srv.Stats()
	if !always && st.Received == r.last.Received && st.Acked == r.last.Acked &&
		st.Requeued == r.last.Requeued && st.Rejected == r.last.Rejected {
		return
	}
	r.last = st.Stats
	fmt.Fprintf(r.out, "%s %d %d %d %d\n", statsLine, st.Received, st.Acked, st.Requeued, st.Rejected)
}

// lockedWriter writes whole lines from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
