package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/internal/clustertest"
	"github.com/rpcexec/rpcexec/internal/syncbuf"
	"github.com/rpcexec/rpcexec/wire"
)

// quorum is the URL query of a quorum deployment, read alike by rpcexec
// and oslo.messaging (driver options in the transport URL override the
// configuration in both).
const quorum = "rabbit_quorum_queue=true"

// nodesURL is the cluster's transport URL with its nodes in the given
// order, which is the order clients try them in, and query appended.
func nodesURL(t testing.TB, c *clustertest.Cluster, query string, nodes ...int) string {
	t.Helper()
	hosts := make([]string, len(nodes))
	for i, n := range nodes {
		u, err := url.Parse(c.NodeURL(n))
		if err != nil {
			t.Fatal(err)
		}
		hosts[i] = u.User.String() + "@" + u.Host
	}
	s := "rabbit://" + strings.Join(hosts, ",") + "/"
	if query != "" {
		s += "?" + query
	}
	return s
}

// logs returns a buffer for a configuration's log lines (debug level, so
// that dropped duplicates are counted), shown in part when the test fails.
func logs(t *testing.T, name string) *syncbuf.Buffer {
	b := new(syncbuf.Buffer)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		lines := strings.Split(strings.TrimSpace(b.String()), "\n")
		if len(lines) > 80 {
			lines = lines[len(lines)-80:]
		}
		t.Logf("last log lines of %s:\n%s", name, strings.Join(lines, "\n"))
	})
	return b
}

// config is a configuration on url with the executor named, logging into
// buf.
func config(url, executorName string, buf *syncbuf.Buffer) rpcexec.Config {
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = url
	cfg.Executor = executorName
	cfg.Logger = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return cfg
}

// Log messages the tests count.
const (
	logDuplicate   = "dropped a duplicate delivery"
	logLost        = "connection lost"
	logReconnected = "reconnected, consumers declared again"
)

// newTopic returns a topic no other test or run uses. Its topic queue and
// the queues of the named servers are deleted when the test ends, through
// whichever node is up: topic queues outlive their servers, as oslo's do.
// Call it before starting servers, so the deletion comes after they stop.
func newTopic(t *testing.T, c *clustertest.Cluster, servers ...string) string {
	t.Helper()
	topic := "clus-" + wire.NewID()[:10]
	queues := []string{topic}
	for _, s := range servers {
		queues = append(queues, topic+"."+s)
	}
	t.Cleanup(func() { deleteQueues(t, c, queues...) })
	return topic
}

// deleteQueues deletes queues through the first node that answers.
func deleteQueues(t *testing.T, c *clustertest.Cluster, queues ...string) {
	var errs []string
	for n := 1; n <= c.Nodes(); n++ {
		err := brokertest.DeleteQueues(c.NodeURL(n), queues...)
		if err == nil {
			return
		}
		errs = append(errs, err.Error())
	}
	t.Logf("deleting queues %v: %s", queues, strings.Join(errs, "; "))
}

// channel opens a channel on node n, closed with the test.
func channel(t *testing.T, c *clustertest.Cluster, n int) *amqp091.Channel {
	t.Helper()
	conn, err := amqp091.Dial(c.NodeURL(n))
	if err != nil {
		t.Fatalf("dialing node %d: %v", n, err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// queueTypes returns the type of every queue, as node n lists them.
func queueTypes(t *testing.T, c *clustertest.Cluster, n int) map[string]string {
	t.Helper()
	types := map[string]string{}
	for _, line := range strings.Split(c.Ctl(t, n, "-q", "list_queues", "name", "type"), "\n") {
		if name, typ, ok := strings.Cut(strings.TrimSpace(line), "\t"); ok && name != "name" {
			types[name] = typ
		}
	}
	return types
}

// wantQuorum fails the test unless every queue named is a quorum queue.
func wantQuorum(t *testing.T, c *clustertest.Cluster, n int, queues ...string) {
	t.Helper()
	types := queueTypes(t, c, n)
	for _, q := range queues {
		if types[q] != "quorum" {
			t.Errorf("queue %s: type %q, want quorum", q, types[q])
		}
	}
}

// startServer starts a server of topic called name; it is stopped
// gracefully when the test ends unless the test stopped it.
func startServer(t *testing.T, cfg rpcexec.Config, topic, name string, eps ...*dispatch.Endpoint) *rpcexec.Server {
	t.Helper()
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: topic, Server: name}, dispatch.New(eps...))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		t.Fatalf("starting server %s of %s: %v", name, topic, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("stopping server %s: %v", name, err)
		}
	})
	return srv
}

// newClient returns a client of topic, closed when the test ends.
func newClient(t *testing.T, cfg rpcexec.Config, topic string) *rpcexec.Client {
	t.Helper()
	cl, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cl.Close(); err != nil {
			t.Errorf("closing the client of %s: %v", topic, err)
		}
	})
	return cl
}

// idArgs are the arguments of record.
type idArgs struct {
	ID int `json:"id"`
}

// endpoint serves record(id), which counts id into tl as handled by
// server after work, and echo(value), in oslo's null namespace at 1.0.
func endpoint(tl *tally, server string, work time.Duration) *dispatch.Endpoint {
	return endpointWork(tl, server, func() time.Duration { return work })
}

// endpointWork is endpoint with record's work read at every call.
func endpointWork(tl *tally, server string, workFor func() time.Duration) *dispatch.Endpoint {
	ep := dispatch.NewEndpoint(dispatch.Target{Version: "1.0"})
	dispatch.Handle(ep, "record", func(ctx context.Context, a idArgs) (any, error) {
		if work := workFor(); work > 0 {
			select {
			case <-time.After(work):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		tl.add(a.ID, server)
		return nil, nil
	})
	dispatch.Handle(ep, "echo", func(_ context.Context, a struct {
		Value json.RawMessage `json:"value"`
	}) (json.RawMessage, error) {
		return a.Value, nil
	})
	return ep
}

// executors are the strategies the failover tests run, each on its own
// topic at the same time.
var executors = []string{executor.Blocking, executor.Goroutine, executor.Pool}

// castIDs casts record(id) for ids from, from+1, … to+1-1 at about rate a
// second (0: as fast as 8 senders go); every cast returns once the broker
// has confirmed it. It stops at the first error, which it returns.
func castIDs(ctx context.Context, cl *rpcexec.Client, from, to int, rate float64) error {
	start := time.Now()
	for id := from; id < to; id++ {
		if rate > 0 {
			if ahead := time.Until(start.Add(time.Duration(float64(id-from) / rate * float64(time.Second)))); ahead > 0 {
				select {
				case <-time.After(ahead):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		if err := cl.Cast(ctx, "record", idArgs{ID: id}); err != nil {
			return fmt.Errorf("cast %d: %w", id, err)
		}
	}
	return nil
}

// requireOslo skips the test, or fails it in CI, unless oslo.messaging
// imports in /usr/bin/python3.
func requireOslo(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-c", "import oslo_messaging").Run(); err != nil {
		msg := "oslo.messaging not importable by " + python + " (" + err.Error() +
			"); install it with `apt-get install -y python3-oslo.messaging`"
		if os.Getenv(clustertest.RequireEnv) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// tally counts which ids were handled, how often, by whom and when. Safe
// for concurrent use.
type tally struct {
	want int
	all  chan struct{} // closed once ids 0..want-1 have all been handled

	mu       sync.Mutex
	counts   map[int]int
	by       map[string]int
	distinct int
	times    []time.Time // when each id was handled, in order
}

func newTally(want int) *tally {
	return &tally{want: want, all: make(chan struct{}), counts: map[int]int{}, by: map[string]int{}}
}

func (tl *tally) add(id int, server string) {
	now := time.Now()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.counts[id]++
	tl.by[server]++
	if tl.counts[id] == 1 && id >= 0 && id < tl.want {
		if tl.distinct++; tl.distinct == tl.want {
			close(tl.all)
		}
	}
	tl.times = append(tl.times, now)
}

// handled is how many distinct ids were handled.
func (tl *tally) handled() int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return tl.distinct
}

// byServer returns how many ids each server handled.
func (tl *tally) byServer() map[string]int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	by := make(map[string]int, len(tl.by))
	for k, v := range tl.by {
		by[k] = v
	}
	return by
}

// longestPause returns the longest pause between two handled ids from
// since on, and when it ended.
func (tl *tally) longestPause(since time.Time) (time.Duration, time.Time) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return longestGap(tl.times, since)
}

// awaitAll waits until every id has been handled, failing after within.
func (tl *tally) awaitAll(t *testing.T, what string, within time.Duration) {
	t.Helper()
	select {
	case <-tl.all:
	case <-time.After(within):
		t.Fatalf("%s: %d of %d ids handled within %v", what, tl.handled(), tl.want, within)
	}
}

// awaitHandled waits until n distinct ids have been handled.
func (tl *tally) awaitHandled(t *testing.T, what string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for tl.handled() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of %d ids handled within %v", what, tl.handled(), n, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exactlyOnce fails the test unless each id 0..want-1 was handled once
// and no other id was handled.
func (tl *tally) exactlyOnce(t *testing.T, what string) {
	t.Helper()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var missing, twice []int
	for id := range tl.want {
		switch n := tl.counts[id]; {
		case n == 0:
			missing = append(missing, id)
		case n > 1:
			twice = append(twice, id)
		}
	}
	extra := len(tl.counts) - (tl.want - len(missing))
	if len(missing) > 0 || len(twice) > 0 || extra > 0 {
		t.Errorf("%s: of %d ids, %d never handled (first: %v), %d handled more than once (first: %v), %d unknown ids",
			what, tl.want, len(missing), first(missing), len(twice), first(twice), extra)
	}
}

func first(ids []int) []int { return ids[:min(len(ids), 10)] }
