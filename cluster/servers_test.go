package cluster_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/clustertest"
)

// TestSeveralServerProcesses: three server processes, one per executor,
// share a topic's quorum queue under a steady stream of casts; one is
// stopped gracefully (SIGTERM) midway. The load is shared, and every cast
// is handled exactly once: the stopped server finished and acknowledged
// what it had started and gave back what it had not.
func TestSeveralServerProcesses(t *testing.T) {
	t.Parallel()
	c := clustertest.Get(t)
	const (
		casts    = 3000
		rate     = 300 // casts a second: 10 s of load
		stopAt   = 1000
		work     = "2ms"
		minShare = 0.10 // of the casts, for each server
	)
	names := []string{"a", "b", "c"}
	topic := newTopic(t, c, names...)
	tl := newTally(casts)
	// Each server on a node of its own, as services on several hosts are.
	sup := &supervisor{t: t, tl: tl, topic: topic}
	defer sup.stop()
	for i, ex := range executors {
		url := nodesURL(t, c, quorum, i%3+1, (i+1)%3+1, (i+2)%3+1)
		sup.run(names[i], "RPCEXEC_TRANSPORT_URL="+url, "RPCEXEC_EXECUTOR="+ex, childWorkEnv+"="+work)
	}
	sup.awaitReady(t, time.Minute)

	buf := logs(t, "client")
	cl := newClient(t, config(nodesURL(t, c, quorum, 3, 1, 2), executor.Pool, buf), topic)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	castErr := make(chan error, 1)
	go func() { castErr <- castIDs(ctx, cl, 0, casts, rate) }()

	tl.awaitHandled(t, "casts before the stop", stopAt, time.Minute)
	sup.mu.Lock()
	b := sup.running["b"]
	sup.mu.Unlock()
	stopping := time.Now()
	b.terminate()
	if status := b.wait(childStopBudget + 10*time.Second); status != 0 {
		t.Errorf("server b: exit status %d after SIGTERM, want 0\n%s", status, b.stderr)
	}
	took := time.Since(stopping)
	handledByB := tl.byServer()["b"]

	if err := <-castErr; err != nil {
		t.Fatal(err)
	}
	tl.awaitAll(t, "casts", time.Minute)
	sup.terminate(t)
	tl.exactlyOnce(t, "casts")
	by := tl.byServer()
	if by["b"] != handledByB {
		t.Errorf("server b handled %d casts after it exited (%d before, %d in all)", by["b"]-handledByB, handledByB, by["b"])
	}
	for _, n := range names {
		if share := float64(by[n]) / casts; share < minShare {
			t.Errorf("server %s handled %d of %d casts (%.1f %%), want ≥ %.0f %%", n, by[n], casts, 100*share, 100*minShare)
		}
	}
	t.Logf("casts by server (a blocking, b goroutine, c pool): %v; b stopped by SIGTERM after %s casts in all, in %v",
		by, strconv.Itoa(stopAt)+"+", took.Round(time.Millisecond))
}
