package chaos_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/executor"
)

var (
	chaosSeed     = flag.Uint64("chaos.seed", 0, "seed of TestRandom's schedule (0: from the clock; the test prints it)")
	chaosDuration = flag.Duration("chaos.duration", 0, "how long TestRandom injects faults (0 skips TestRandom)")
	chaosServers  = flag.Int("chaos.servers", 3, "server processes in TestRandom")
)

// randomLoad has longer requests than shortLoad, so faults find more of
// them running.
var randomLoad = loadShape{senders: 3, gap: 100 * time.Millisecond, maxCast: time.Second,
	maxCall: 500 * time.Millisecond, callTimeout: 5 * time.Second, callEvery: 4}

// TestRandom runs a random schedule of faults, drawn from a seed, against
// servers on random executors under a steady load, then checks the
// history. Run it on demand:
//
//	go test ./internal/chaos -run Random -chaos.duration=2m [-chaos.seed=N] [-v]
//
// The seed is printed first; the same seed draws the same schedule (the
// timing of a run, and so its history, differ).
func TestRandom(t *testing.T) {
	if *chaosDuration <= 0 {
		t.Skip("TestRandom runs on demand: -chaos.duration=2m [-chaos.seed=N]")
	}
	seed := *chaosSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d; replay with: go test ./internal/chaos -run Random -chaos.seed=%d -chaos.duration=%s -chaos.servers=%d",
		seed, seed, *chaosDuration, *chaosServers)
	rnd := rand.New(rand.NewPCG(seed, 0))
	names := make([]string, *chaosServers)
	execs := map[string]string{}
	for i := range names {
		names[i] = fmt.Sprintf("s%d", i+1)
		execs[names[i]] = executor.Names()[rnd.IntN(len(executor.Names()))]
	}
	c := newCluster(t, names...)
	for _, n := range names {
		c.start(n, execs[n])
	}
	l := c.startLoad(seed, randomLoad)
	defer l.stop()
	c.awaitProgress(c.servers()...)

	r := &randomSchedule{c: c, rnd: rnd, execs: execs, names: names, heals: map[string]int{}}
	for step, end := 1, time.Now().Add(*chaosDuration); time.Now().Before(end); step++ {
		r.step(t, step)
		c.hold(r.between(300*time.Millisecond, 3*time.Second))
	}
	l.stop()
	c.finish()
	t.Logf("seed %d", seed)
}

// randomSchedule draws one fault a step. Silences and refusals stay on
// for 1 to 3 steps, so they overlap with the faults of other servers.
type randomSchedule struct {
	c     *cluster
	rnd   *rand.Rand
	names []string
	execs map[string]string
	heals map[string]int // server name → step at which its silence or refusal ends
}

func (r *randomSchedule) step(t *testing.T, step int) {
	c := r.c
	for name, at := range r.heals {
		if at <= step {
			delete(r.heals, name)
			if s := c.server(name); s != nil {
				t.Logf("step %d: heal %s", step, s)
				c.heal(s)
			}
		}
	}
	name := r.names[r.rnd.IntN(len(r.names))]
	s := c.server(name)
	if s == nil {
		return
	}
	switch f := r.rnd.IntN(100); {
	case f < 25:
		t.Logf("step %d: cut %s", step, s)
		c.cut(s)
	case f < 40:
		if _, open := r.heals[name]; open {
			return
		}
		t.Logf("step %d: silence %s", step, s)
		c.silence(s)
		r.heals[name] = step + 1 + r.rnd.IntN(3)
	case f < 50:
		if _, open := r.heals[name]; open {
			return
		}
		t.Logf("step %d: refuse and cut %s", step, s)
		c.refuse(s)
		c.cut(s)
		r.heals[name] = step + 1 + r.rnd.IntN(3)
	case f < 65:
		t.Logf("step %d: kill -9 %s and start it again", step, s)
		delete(r.heals, name)
		c.kill(s)
		c.start(name, r.execs[name])
	case f < 80:
		t.Logf("step %d: stop %s gracefully and start it again", step, s)
		delete(r.heals, name)
		c.stop(s)
		c.start(name, r.execs[name])
	default:
		n, secs := 1+r.rnd.IntN(3), r.between(2*time.Second, 5*time.Second).Seconds()
		t.Logf("step %d: cut then kill %s with %d sleeps of %.1fs", step, s, n, secs)
		if _, open := r.heals[name]; open {
			delete(r.heals, name)
			c.heal(s) // it must be able to take the sleeps first
		}
		c.cutThenKill(s, n, secs)
	}
}

// between draws a duration in [lo, hi).
func (r *randomSchedule) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.rnd.Int64N(int64(hi-lo)))
}
