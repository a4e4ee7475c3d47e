package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/internal/clustertest"
	"github.com/rpcexec/rpcexec/internal/syncbuf"
)

// TestServerFailoverUnderOsloCasts stops the node that servers consume
// from while an oslo.messaging client casts 3,000 messages to each of them
// over quorum queues, and an rpcexec client publishing through that same
// node casts 1,000 more: each server moves to a live node, declares its
// consumers again and handles every cast exactly once (redeliveries of
// what it had handled are dropped by _unique_id), and its queue is still a
// quorum queue. One server per executor, each on its own topic, all
// through the same node stop.
func TestServerFailoverUnderOsloCasts(t *testing.T) {
	c := clustertest.Get(t)
	requireOslo(t)
	const (
		osloCasts = 3000
		goCasts   = 1000
		seconds   = 20  // both casters spread their casts over this
		stopAfter = 900 // ids handled on every topic before node 1 stops
	)
	serverURL := nodesURL(t, c, quorum, 1, 2, 3) // servers and the Go casters start on node 1
	osloURL := nodesURL(t, c, quorum, 3, 2)      // the oslo casters stay on node 3

	type run struct {
		executor string
		topic    string
		tl       *tally
		logs     *syncbuf.Buffer
		srv      *rpcexec.Server
		client   *rpcexec.Client
		caster   *pyProc
		castErr  error
	}
	var runs []*run
	var topics []string
	for _, ex := range executors {
		r := &run{executor: ex, topic: newTopic(t, c, "s1"), tl: newTally(osloCasts + goCasts), logs: logs(t, ex)}
		r.srv = startServer(t, config(serverURL, ex, r.logs), r.topic, "s1", endpoint(r.tl, ex, 0))
		r.client = newClient(t, config(serverURL, ex, r.logs), r.topic)
		runs = append(runs, r)
		topics = append(topics, r.topic)
	}
	wantQuorum(t, c, 1, topics...)
	t.Logf("before the stop:\n%s", c.Ctl(t, 1, "-q", "list_queues", "name", "type", "leader", "consumers"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	began := time.Now()
	var casting sync.WaitGroup
	for _, r := range runs {
		r.caster = startPy(t, nil, "oslo_client.py", osloURL, "openstack", r.topic, "cast",
			strconv.Itoa(osloCasts), strconv.Itoa(osloCasts/seconds))
		casting.Go(func() {
			r.castErr = castIDs(ctx, r.client, osloCasts, osloCasts+goCasts, float64(goCasts)/seconds)
		})
	}
	for _, r := range runs {
		r.tl.awaitHandled(t, r.executor+" before the stop", stopAfter, time.Minute)
	}
	stopped := time.Now()
	c.StopNode(t, 1)
	t.Logf("node 1 stopping %v after the casters began, with each server %d+ casts in; stopped in %v",
		stopped.Sub(began).Round(time.Millisecond), stopAfter, time.Since(stopped).Round(time.Millisecond))

	casting.Wait()
	for _, r := range runs {
		if err := r.caster.wait(3 * time.Minute); err != nil {
			t.Errorf("%s: oslo caster: %v\n%s", r.executor, err, r.caster.stderr)
		}
		if r.castErr != nil {
			t.Errorf("%s: rpcexec caster: %v", r.executor, r.castErr)
		}
	}
	t.Logf("casters done %v after they began", time.Since(began).Round(time.Millisecond))
	for _, r := range runs {
		r.tl.awaitAll(t, r.executor, 2*time.Minute)
	}
	t.Logf("every cast handled %v after the casters began", time.Since(began).Round(time.Millisecond))
	restarted := time.Now()
	c.StartNode(t, 1)
	t.Logf("node 1 back in the cluster in %v", time.Since(restarted).Round(time.Millisecond))

	for _, r := range runs {
		t.Run(r.executor, func(t *testing.T) {
			r.tl.exactlyOnce(t, "casts")
			if r.logs.Count(logLost) == 0 || r.logs.Count(logReconnected) == 0 {
				t.Errorf("server log: %d %q and %d %q, want the server to have lost node 1 and reconnected",
					r.logs.Count(logLost), logLost, r.logs.Count(logReconnected), logReconnected)
			}
			if err := r.srv.Err(); err != nil {
				t.Errorf("server stopped by itself: %v", err)
			}
			var got int
			callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := r.client.Call(callCtx, "echo", map[string]int{"value": 7}, &got); err != nil || got != 7 {
				t.Errorf("call after the failover: got %d, %v; want 7, nil", got, err)
			}
			wantQuorum(t, c, 1, r.topic)
			pause, at := r.tl.longestPause(stopped)
			t.Logf("%d casts handled exactly once; %d duplicate deliveries dropped; longest pause between two handled casts after the stop began %v, ending %v after it",
				osloCasts+goCasts, r.logs.Count(logDuplicate), pause.Round(time.Millisecond), at.Sub(stopped).Round(time.Millisecond))
		})
	}
}

// callStats sums up the calls of one executor.
type callStats struct {
	mu       sync.Mutex
	ok       int
	timeouts int
	others   []error
	okTimes  []time.Time // completion of each successful call, in order
	firstOK  time.Time   // first success of a call sent after the node was down
	hung     int         // calls still waiting long past their timeout
}

// TestCallersThroughNodeStopAndStart: 16 callers call for 20 s while the
// node that the server and the callers' client use stops and starts again.
// Every call succeeds or fails with a timeout, none hangs; at least 95 %
// succeed; calls succeed again within 30 s of the stop (the callers go on
// past 20 s until one sent after the node was gone succeeded, or 30 s
// after the stop). The client's reply queue, lost with the node, is
// declared again on a live one. One server and client per executor, all
// through the same stop and start.
func TestCallersThroughNodeStopAndStart(t *testing.T) {
	c := clustertest.Get(t)
	const (
		callers     = 16
		duration    = 20 * time.Second
		stopAfter   = 4 * time.Second
		callTimeout = 10 * time.Second
		recoverBy   = 30 * time.Second
	)
	serverURL := nodesURL(t, c, quorum, 2, 3, 1)
	clientURL := nodesURL(t, c, quorum, 2, 1, 3)

	stats := map[string]*callStats{}
	clients := map[string]*rpcexec.Client{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, ex := range executors {
		topic := newTopic(t, c, "s1")
		buf := logs(t, ex)
		startServer(t, config(serverURL, ex, buf), topic, "s1", endpoint(newTally(0), ex, 0))
		cfg := config(clientURL, ex, buf)
		cfg.RPCResponseTimeout = rpcexec.Duration(callTimeout)
		clients[ex] = newClient(t, cfg, topic)
		stats[ex] = &callStats{}
		if err := clients[ex].Call(ctx, "echo", map[string]int{"value": 0}, nil); err != nil {
			t.Fatal(err)
		}
	}

	var clock struct {
		sync.Mutex
		stopping, down time.Time // when node 2 began to stop, and was gone; zero before
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, ex := range executors {
		st, cl := stats[ex], clients[ex]
		// Callers go on for duration, and then until a call sent after the
		// node was gone succeeded or recoverBy has passed since the stop.
		more := func() bool {
			if time.Since(start) < duration {
				return true
			}
			clock.Lock()
			stopping := clock.stopping
			clock.Unlock()
			st.mu.Lock()
			defer st.mu.Unlock()
			return st.firstOK.IsZero() && (stopping.IsZero() || time.Since(stopping) < recoverBy)
		}
		for caller := range callers {
			wg.Go(func() {
				for n := 0; more(); n++ {
					ctx, cancel := context.WithTimeout(context.Background(), callTimeout+10*time.Second)
					sent := time.Now()
					var got int
					err := cl.Call(ctx, "echo", map[string]int{"value": n}, &got)
					cancel()
					done := time.Now()
					clock.Lock()
					wasDown := !clock.down.IsZero() && sent.After(clock.down)
					clock.Unlock()
					st.mu.Lock()
					switch {
					case err == nil && got == n:
						st.ok++
						st.okTimes = append(st.okTimes, done)
						if wasDown && st.firstOK.IsZero() {
							st.firstOK = done
						}
					case errors.Is(err, rpcexec.ErrTimeout):
						st.timeouts++
					case errors.Is(err, context.DeadlineExceeded):
						st.hung++
					default:
						st.others = append(st.others, fmt.Errorf("caller %d call %d: got %d, %w", caller, n, got, err))
					}
					st.mu.Unlock()
				}
			})
		}
	}
	time.Sleep(stopAfter)
	clock.Lock()
	clock.stopping = time.Now()
	stopping := clock.stopping
	clock.Unlock()
	c.StopNode(t, 2)
	clock.Lock()
	clock.down = time.Now()
	down := clock.down
	clock.Unlock()
	c.StartNode(t, 2)
	back := time.Now()
	wg.Wait()
	t.Logf("node 2 stopped %v after the callers began, gone after %v, back in the cluster after %v more; callers ran %v",
		stopping.Sub(start).Round(time.Millisecond), down.Sub(stopping).Round(time.Millisecond),
		back.Sub(down).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	for _, ex := range executors {
		st := stats[ex]
		t.Run(ex, func(t *testing.T) {
			total := st.ok + st.timeouts + st.hung + len(st.others)
			outage, at := longestGap(st.okTimes, stopping.Add(-time.Second))
			t.Logf("%d calls: %d succeeded (%.2f %%), %d timed out; longest time without a successful call %v (ending %v after the stop began); "+
				"first success of a call sent after node 2 was gone: %v after the stop began",
				total, st.ok, 100*float64(st.ok)/float64(max(total, 1)), st.timeouts, outage.Round(time.Millisecond),
				at.Sub(stopping).Round(time.Millisecond), st.firstOK.Sub(stopping).Round(time.Millisecond))
			if st.hung > 0 {
				t.Errorf("%d calls neither returned nor timed out within their timeout (%v) + 10 s", st.hung, callTimeout)
			}
			for _, err := range st.others[:min(len(st.others), 5)] {
				t.Errorf("want success or a timeout, got %v", err)
			}
			if len(st.others) > 5 {
				t.Errorf("... %d such calls in all", len(st.others))
			}
			if ratio := float64(st.ok) / float64(max(total, 1)); ratio < 0.95 {
				t.Errorf("succeeded: %d of %d calls (%.1f %%), want ≥ 95 %%", st.ok, total, 100*ratio)
			}
			switch {
			case st.firstOK.IsZero():
				t.Errorf("no call sent after node 2 was gone succeeded within %v of the stop", recoverBy)
			case st.firstOK.Sub(stopping) > recoverBy:
				t.Errorf("first success of a call sent after node 2 was gone: %v after the stop began, want ≤ %v",
					st.firstOK.Sub(stopping).Round(time.Millisecond), recoverBy)
			}
		})
	}
}

// longestGap returns the longest interval between successive times from
// since on, with its end.
func longestGap(times []time.Time, since time.Time) (time.Duration, time.Time) {
	ts := slices.SortedFunc(slices.Values(times), time.Time.Compare)
	var gap time.Duration
	var end time.Time
	prev := since
	for _, tm := range ts {
		if tm.Before(since) {
			continue
		}
		if d := tm.Sub(prev); d > gap {
			gap, end = d, tm
		}
		prev = tm
	}
	return gap, end
}
