package chaos_test

import (
	"strings"
	"sync"
	"time"

	"github.com/rpcexec/rpcexec/internal/chaos"
)

// After the schedule: how long the servers have to finish what is
// outstanding (quiet: with nothing started or finished meanwhile), and
// how long a live server has to answer an echo.
const (
	settleQuiet  = 8 * time.Second
	settleWithin = 90 * time.Second
	probeTimeout = 10 * time.Second
)

// finish ends a schedule: it heals every proxy, waits for the outstanding
// work, probes every live server with an echo, stops them all gracefully,
// reads what is left in the queues, then checks the history, logs the checker's counts and fails the test
// with each violation.
func (c *cluster) finish() chaos.Report {
	c.t.Helper()
	live := c.servers()
	for _, s := range live {
		c.heal(s)
	}
	if casts, calls := c.w.awaitSettled(settleQuiet, settleWithin); casts+calls > 0 {
		c.t.Logf("after the schedule: %d confirmed casts not handled and %d calls without an outcome, "+
			"with no request started or finished for %s", casts, calls, settleQuiet)
	}
	var wg sync.WaitGroup
	for _, s := range live {
		wg.Go(func() { c.probe(s, probeTimeout) })
	}
	wg.Wait()
	for _, s := range live {
		wg.Go(func() { c.stop(s) })
	}
	wg.Wait()
	c.drain()
	return c.check()
}

// check runs the checker on the history and reports.
func (c *cluster) check() chaos.Report {
	c.t.Helper()
	events, err := chaos.ReadAll(c.w.path)
	if err != nil {
		c.t.Fatal(err)
	}
	r := chaos.Check(events, chaos.Options{CallSlack: callSlack, StopGrace: chaos.StopGrace})
	c.t.Logf("checker (%d events):\n%s", len(events), r.Summary())
	for _, v := range r.Violations {
		c.t.Error(v)
	}
	if len(r.Violations) > 0 {
		c.logProcesses()
	}
	return r
}

// logProcesses logs each process's warnings and errors, for a failed
// check. The whole logs are kept with the history (see keepLogs).
func (c *cluster) logProcesses() {
	c.mu.Lock()
	all := c.all
	c.mu.Unlock()
	for _, s := range all {
		var keep []string
		for _, l := range strings.Split(s.stderr.String(), "\n") {
			if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") ||
				strings.Contains(l, "duplicate") || strings.Contains(l, "reconnected") {
				keep = append(keep, l)
			}
		}
		if len(keep) > 40 {
			keep = append([]string{"…"}, keep[len(keep)-40:]...)
		}
		state := "running"
		if !s.alive() {
			state = s.exitEvent().String()
		}
		c.t.Logf("server %s, %s, log (warnings, reconnects, duplicates):\n%s", s, state, strings.Join(keep, "\n"))
	}
}
