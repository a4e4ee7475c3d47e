package cluster_test

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/clustertest"
)

// TestWholeClusterRestart stops every node while a server works through a
// backlog of persistent casts on a durable quorum queue, then starts them
// again: nothing is lost, and the server, which retried all along, handles
// every cast exactly once.
//
// With the whole cluster down, a server that starts keeps retrying with
// backoff and logs which hosts it tried, and its Stop keeps its budget.
func TestWholeClusterRestart(t *testing.T) {
	c := clustertest.Get(t)
	const (
		casts      = 1500
		stopBudget = 3 * time.Second
	)
	// The server works slowly until the cluster is back, ≈ 20 casts/s on
	// the blocking executor, so that most casts are in the queue when the
	// cluster stops; then at full speed.
	var slow atomic.Bool
	slow.Store(true)
	work := func() time.Duration {
		if slow.Load() {
			return 50 * time.Millisecond
		}
		return 0
	}
	// Short reconnect delays, so the server comes back soon after the
	// cluster does: 1 s, 2 s, 3 s, 3 s… per round of hosts.
	url := nodesURL(t, c, quorum+"&rabbit_retry_backoff=1&rabbit_interval_max=3", 1, 2, 3)
	topic := newTopic(t, c, "s1", "s2")
	tl := newTally(casts)
	buf := logs(t, "server")
	srv := startServer(t, config(url, executor.Blocking, buf), topic, "s1", endpointWork(tl, "s1", work))
	cl := newClient(t, config(url, executor.Blocking, buf), topic)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := castIDs(ctx, cl, 0, casts, 0); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d casts confirmed, %d of them not yet handled", casts, casts-tl.handled())

	stopping := time.Now()
	for _, n := range []int{3, 2, 1} {
		c.StopNode(t, n)
	}
	backlog := casts - tl.handled()
	t.Logf("cluster stopped in %v with %d casts not yet handled", time.Since(stopping).Round(time.Millisecond), backlog)
	if backlog < casts/2 {
		t.Errorf("%d casts not yet handled when the cluster stopped, want most of the %d", backlog, casts)
	}

	t.Run("server starting with every host down", func(t *testing.T) {
		serverStartsWithHostsDown(t, c, url, topic, stopBudget)
	})

	slow.Store(false)
	starting := time.Now()
	c.StartAll(t) // all at once, as a node may wait for the others at boot
	t.Logf("cluster started again in %v", time.Since(starting).Round(time.Millisecond))
	tl.awaitAll(t, "casts after the restart", 3*time.Minute)
	t.Logf("every cast handled %v after the cluster began to start", time.Since(starting).Round(time.Millisecond))
	tl.exactlyOnce(t, "casts")
	t.Logf("%d duplicate deliveries dropped", buf.Count(logDuplicate))
	wantQuorum(t, c, 1, topic, topic+".s1")
	if err := srv.Err(); err != nil {
		t.Errorf("server stopped by itself: %v", err)
	}
	var got int
	callCtx, cancelCall := context.WithTimeout(ctx, 30*time.Second)
	defer cancelCall()
	if err := cl.Call(callCtx, "echo", map[string]int{"value": 3}, &got); err != nil || got != 3 {
		t.Errorf("call after the restart: got %d, %v; want 3, nil", got, err)
	}
}

// retryIn reads the retry_in of a log line.
var retryIn = regexp.MustCompile(`retry_in=(\S+)`)

// serverStartsWithHostsDown starts a server while no host of url
// answers: Start keeps retrying, with backoff after each round of hosts,
// and each log line names the host tried and every host tried so far;
// Stop ends it within budget.
func serverStartsWithHostsDown(t *testing.T, c *clustertest.Cluster, url, topic string, budget time.Duration) {
	buf := logs(t, "server s2")
	srv, err := rpcexec.NewServer(config(url, executor.Pool, buf), rpcexec.Target{Topic: topic, Server: "s2"},
		dispatch.New(endpoint(newTally(0), "s2", 0)))
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 1)
	go func() { started <- srv.Start(context.Background()) }()

	const retrying = "cannot listen yet; retrying"
	// Two rounds: attempts 1-3 and 4-6, with a delay after each round.
	buf.Await(t, retrying, 5, time.Minute)
	lines := strings.Split(buf.String(), "\n")
	var tries []string
	for _, l := range lines {
		if strings.Contains(l, retrying) {
			tries = append(tries, l)
		}
	}
	for i := 1; i <= c.Nodes(); i++ {
		host := hostOf(t, c.NodeURL(i))
		if !strings.Contains(tries[i-1], "host="+"guest:***@"+host) {
			t.Errorf("attempt %d: want it to name host %s, got %s", i, host, tries[i-1])
		}
		if !strings.Contains(tries[2], host) {
			t.Errorf("after a round: want hosts_tried to name %s, got %s", host, tries[2])
		}
	}
	var delays []string
	for _, l := range tries[:6] {
		if m := retryIn.FindStringSubmatch(l); m != nil {
			delays = append(delays, m[1])
		}
	}
	// perRound: the next host at once, the schedule's delay after a round.
	if len(delays) != 6 || delays[0] != "0s" || delays[1] != "0s" || delays[2] == "0s" || delays[5] == "0s" {
		t.Errorf("retry delays of the first two rounds: got %v, want 0s, 0s, then a delay, per round", delays)
	}
	if strings.Contains(buf.String(), "guest:guest@") {
		t.Errorf("a password in the log:\n%s", buf)
	}

	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	stopping := time.Now()
	err = srv.Stop(ctx)
	took := time.Since(stopping)
	if err != nil {
		t.Errorf("Stop: %v", err)
	}
	if took > budget+500*time.Millisecond {
		t.Errorf("Stop took %v, want within its budget %v", took, budget)
	}
	select {
	case err := <-started:
		if !errors.Is(err, rpcexec.ErrServerStopped) {
			t.Errorf("Start: got %v, want ErrServerStopped", err)
		}
	case <-time.After(budget):
		t.Errorf("Start still waiting %v after Stop returned", budget)
	}
	t.Logf("Stop with every host down returned in %v; the log said:\n%s", took.Round(time.Millisecond), strings.Join(tries[:3], "\n"))
}

// hostOf is host:port of an amqp:// URL.
func hostOf(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
