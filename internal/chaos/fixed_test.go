package chaos_test

import (
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/executor"
)

// TestCutThenKill, for each executor: three casts of sleep(4 s) run on a
// server; its connection is cut; the broker delivers them again on the new
// channel; the process is killed with SIGKILL and a new one takes its
// name. With ack policy after, all three must be handled: a copy of a
// request still running may not be acknowledged ahead of its original, or
// the kill loses it.
func TestCutThenKill(t *testing.T) {
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // mostly waiting for sleeps
			c := newCluster(t, "s1")
			s := c.start("s1", name)
			c.cutThenKill(s, 3, 4)
			c.finish()
		})
	}
}

// TestStopWhileSilent: a graceful stop keeps its budget when the broker
// has gone silent. A server runs a sleep longer than its 5 s stop budget;
// its proxy goes silent; it gets SIGTERM. Stop must return within the
// budget (+ StopGrace), the interrupted request must go back to the
// queue, and the next process must handle it. One executor: the stop path
// after the listener is the same for all three.
func TestStopWhileSilent(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "s1")
	s := c.start("s1", executor.Pool)
	ids := c.castN("s1", 1, 6)
	if !s.awaitStarted(20*time.Second, ids, 1) {
		t.Fatalf("%s did not start %v within 20 s", s, ids)
	}
	c.silence(s)
	c.stop(s)
	c.resume(s) // the broker then sees the old connection close
	c.start("s1", executor.Pool)
	c.finish()
}

// TestCompound runs three servers, one per executor, under a steady load
// of short casts and calls, through every kind of fault in turn: a cut, a
// silence longer than the heartbeat threshold, kill -9 and a new process,
// a graceful stop and a new process, refused reconnects, and last the
// cut-then-kill sequence. After each fault the server must make progress
// again; the checker then judges the whole history.
func TestCompound(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "s1", "s2", "s3")
	s1 := c.start("s1", executor.Pool)
	s2 := c.start("s2", executor.Goroutine)
	s3 := c.start("s3", executor.Blocking)
	l := c.startLoad(1, shortLoad)
	defer l.stop() // the first stop waits; a second is harmless
	c.awaitProgress(s1, s2, s3)

	c.cut(s1)
	c.awaitProgress(s1)

	c.silence(s2)
	c.hold(4 * time.Second) // past the 3 s heartbeat threshold
	c.resume(s2)
	c.awaitProgress(s2)

	c.kill(s3)
	s3 = c.start("s3", executor.Blocking)
	c.awaitProgress(s3)

	c.stop(s1)
	s1 = c.start("s1", executor.Pool)
	c.awaitProgress(s1)

	c.refuse(s3)
	c.cut(s3)
	c.hold(2 * time.Second) // a few reconnect attempts fail
	c.allow(s3)
	c.awaitProgress(s3)

	l.stop()
	c.cutThenKill(s2, 3, 4)
	c.finish()
}
