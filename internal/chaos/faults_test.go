package chaos_test

import (
	"syscall"
	"time"

	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/chaos"
)

// cut closes every connection of s's process; it reconnects by itself.
func (c *cluster) cut(s *server) {
	c.fault(s, chaos.FaultCut)
	s.proxy.Cut()
}

// silence mutes s's connections (no bytes, no close) until resume.
func (c *cluster) silence(s *server) {
	s.mu.Lock()
	s.silenced = true
	s.mu.Unlock()
	c.fault(s, chaos.FaultSilence)
	s.proxy.Silence()
}

func (c *cluster) resume(s *server) {
	s.mu.Lock()
	s.silenced = false
	s.mu.Unlock()
	c.fault(s, chaos.FaultResume)
	s.proxy.Resume()
}

// refuse makes s's reconnects fail until allow.
func (c *cluster) refuse(s *server) {
	s.mu.Lock()
	s.refusing = true
	s.mu.Unlock()
	c.fault(s, chaos.FaultRefuse)
	s.proxy.Refuse()
}

func (c *cluster) allow(s *server) {
	s.mu.Lock()
	s.refusing = false
	s.mu.Unlock()
	c.fault(s, chaos.FaultAllow)
	s.proxy.Allow()
}

// heal ends a silence or refusal of s.
func (c *cluster) heal(s *server) {
	s.mu.Lock()
	silenced, refusing := s.silenced, s.refusing
	s.mu.Unlock()
	if silenced {
		c.resume(s)
	}
	if refusing {
		c.allow(s)
	}
}

// kill kills s's process with SIGKILL and waits for it to end.
func (c *cluster) kill(s *server) {
	c.t.Helper()
	c.fault(s, chaos.FaultKill)
	if err := s.cmd.Process.Kill(); err != nil {
		c.t.Fatalf("killing %s: %v", s, err)
	}
	if !s.waitExit(10 * time.Second) {
		c.t.Fatalf("%s still running 10 s after SIGKILL", s)
	}
	c.forget(s)
}

// stop sends s's process SIGTERM and waits for it to end: within its stop
// budget, or the checker says so. Past budget + grace + 10 s it is killed.
// Safe from any goroutine.
func (c *cluster) stop(s *server) {
	c.t.Helper()
	c.fault(s, chaos.FaultStop)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.t.Errorf("stopping %s: %v", s, err)
	}
	if !s.waitExit(stopBudget + chaos.StopGrace + 10*time.Second) {
		c.t.Errorf("%s did not end within %s of SIGTERM; killing it", s, stopBudget+chaos.StopGrace+10*time.Second)
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	c.forget(s)
}

func (c *cluster) forget(s *server) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live[s.name] == s {
		delete(c.live, s.name)
	}
}

// concurrency is how many requests s's executor runs at once, as far as
// a schedule needs to know: blocking runs one, the others many.
func concurrency(executorName string) int {
	if executorName == executor.Blocking {
		return 1
	}
	return 64
}

// cutThenKill is the sequence that loses requests when a server acks
// redelivered copies of requests it is still running: n casts of
// sleep(seconds) to s; once s runs them (as many as its executor runs at
// once), its connections are cut; once the broker has delivered them
// again on s's new channel, and s has had a moment to settle those
// copies, s is killed with SIGKILL and a new process takes its name. The
// requests must still be handled, by the new process.
func (c *cluster) cutThenKill(s *server, n int, seconds float64) *server {
	c.t.Helper()
	ids := c.castN(s.name, n, seconds)
	running := min(n, concurrency(s.executor))
	if !s.awaitStarted(20*time.Second, ids, running) {
		// Behind a backlog (a blocking server under load): the sequence
		// misses its window, the checker still judges what happens.
		c.t.Logf("%s did not start %d of %v within 20 s; cutting and killing it all the same", s, running, ids)
	}
	before := s.stats()
	c.cut(s)
	// The broker requeues what s held when its connection goes and
	// delivers it again once s has consumed again. (A blocking executor's
	// loop is busy with the request and takes nothing until it returns.)
	if !s.awaitStats(5*time.Second, func(st stats) bool { return st.received >= before.received+int64(running) }) {
		c.t.Logf("%s: the %d requests it runs were not delivered again within 5 s (received %d → %d)",
			s, running, before.received, s.stats().received)
	}
	// A server may settle a copy at once or hold it until its original
	// ends; let the first kind do so before the kill.
	acked := s.stats().acked
	s.awaitStats(time.Second, func(st stats) bool { return st.acked > acked })
	c.kill(s)
	return c.start(s.name, s.executor)
}

// progressWithin bounds how long a server may take to finish a request
// again after a fault: finding a silence dead (3 s), reconnecting with
// backoff, the request's own sleep.
const progressWithin = 20 * time.Second

// awaitProgress waits until each of servers has finished a request that
// it recorded from now on.
func (c *cluster) awaitProgress(servers ...*server) {
	c.t.Helper()
	mark := c.w.mark()
	var stuck []*server
	c.w.await(progressWithin, func() bool {
		stuck = stuck[:0]
		for _, s := range servers {
			if seq, ok := c.w.lastDone[s.pid]; !ok || seq < mark {
				stuck = append(stuck, s)
			}
		}
		return len(stuck) == 0
	})
	for _, s := range stuck {
		c.t.Errorf("server %s finished no request within %s (from history line %d on)", s, progressWithin, mark)
	}
}

// hold lets a fault last d. It is the schedule's own time, not a wait for
// something to happen.
func (c *cluster) hold(d time.Duration) { time.Sleep(d) }
