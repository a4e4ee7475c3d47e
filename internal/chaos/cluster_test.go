package chaos_test

import (
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/internal/chaos"
	"github.com/rpcexec/rpcexec/internal/faultproxy"
	"github.com/rpcexec/rpcexec/internal/syncbuf"
)

// Settings of every server process: a silent connection is found dead
// within 3 s (checked every 0.75 s), a lost one is rebuilt within about a
// second, and a graceful stop has 5 s.
const (
	heartbeatThreshold = "3"
	heartbeatRate      = "2"
	stopBudget         = 5 * time.Second
	startWithin        = 60 * time.Second
)

// cluster is one test's servers, on a topic of its own, with a proxy in
// front of each server process, a client straight to the broker, and the
// history they all write.
type cluster struct {
	t         *testing.T
	topic     string
	queues    []string // the topic's queue and the named servers'
	broker    *url.URL // for the client; the servers dial their proxies
	w         *watch
	client    *rpcexec.Client
	clientLog syncbuf.Buffer
	ids       atomic.Int64

	mu   sync.Mutex
	live map[string]*server // by name: the current process
	all  []*server
}

// newCluster prepares a topic whose queues, and those of the named
// servers, are deleted when the test ends, after every process it starts
// has ended.
func newCluster(t *testing.T, names ...string) *cluster {
	t.Helper()
	raw := brokertest.URL(t)
	topic := brokertest.Topic(t, names...)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Scheme = "rabbit"
	c := &cluster{t: t, topic: topic, queues: []string{topic}, broker: u, w: newWatch(t), live: map[string]*server{}}
	for _, n := range names {
		c.queues = append(c.queues, topic+"."+n)
	}
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = u.String()
	cfg.Logger = slog.New(slog.NewTextHandler(&c.clientLog, nil))
	c.client, err = rpcexec.NewClient(cfg, rpcexec.Target{Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.killAll()
		if err := c.client.Close(); err != nil {
			t.Errorf("closing the client: %v", err)
		}
		if t.Failed() {
			t.Logf("client log:\n%s", c.clientLog.String())
		}
	})
	t.Logf("topic %s, history %s", topic, c.w.path)
	return c
}

// start starts a server process name with the executor and waits until it
// consumes.
func (c *cluster) start(name, executor string) *server {
	c.t.Helper()
	proxy, err := faultproxy.Start(c.broker.Host)
	if err != nil {
		c.t.Fatal(err)
	}
	bin, err := os.Executable()
	if err != nil {
		c.t.Fatal(err)
	}
	u := *c.broker
	u.Host = proxy.Addr()
	s := &server{name: name, executor: executor, proxy: proxy, w: c.w,
		ready: make(chan struct{}), exited: make(chan struct{}), started: map[string]bool{}}
	s.cmd = exec.Command(bin, "-test.run=^$")
	s.cmd.Env = c.env(name, executor, u.String())
	s.cmd.Stdout, s.cmd.Stderr = s, &s.stderr
	if err := s.cmd.Start(); err != nil {
		proxy.Close()
		c.t.Fatal(err)
	}
	s.pid = s.cmd.Process.Pid
	go func() { // ends when the process does
		_ = s.cmd.Wait()
		s.code = s.cmd.ProcessState.ExitCode()
		c.w.record(s.exitEvent())
		close(s.exited)
	}()
	c.mu.Lock()
	c.live[name] = s
	c.all = append(c.all, s)
	c.mu.Unlock()
	select {
	case <-s.ready:
	case <-s.exited:
		c.t.Fatalf("server %s exited with code %d before consuming:\n%s", s, s.code, s.logTail(40))
	case <-time.After(startWithin):
		c.t.Fatalf("server %s not consuming within %s:\n%s", s, startWithin, s.logTail(40))
	}
	return s
}

// env is a server process's environment: the test's own without any
// RPCEXEC_ or CHAOS_ variable, then the server's.
func (c *cluster) env(name, executor, transportURL string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, rpcexec.EnvPrefix) && !strings.HasPrefix(kv, "CHAOS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		chaos.ServerEnv+"=1",
		chaos.HistoryEnv+"="+c.w.path,
		chaos.TopicEnv+"="+c.topic,
		chaos.NameEnv+"="+name,
		chaos.StopBudgetEnv+"="+stopBudget.String(),
		rpcexec.EnvPrefix+"TRANSPORT_URL="+transportURL,
		rpcexec.EnvPrefix+"EXECUTOR="+executor,
		rpcexec.EnvPrefix+"HEARTBEAT_TIMEOUT_THRESHOLD="+heartbeatThreshold,
		rpcexec.EnvPrefix+"HEARTBEAT_RATE="+heartbeatRate,
		rpcexec.EnvPrefix+"RABBIT_RETRY_INTERVAL=0.2",
		rpcexec.EnvPrefix+"RABBIT_RETRY_BACKOFF=0.2",
		rpcexec.EnvPrefix+"RABBIT_INTERVAL_MAX=1",
	)
}

// servers returns the live processes, by name.
func (c *cluster) servers() []*server {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*server
	for _, s := range c.live {
		out = append(out, s)
	}
	return out
}

// server returns the live process called name, or nil.
func (c *cluster) server(name string) *server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live[name]
}

func (c *cluster) fault(s *server, what string) {
	c.w.record(chaos.Event{Kind: chaos.Fault, What: what, PID: s.pid})
}

// nextID is a new payload id with a prefix saying what it is.
func (c *cluster) nextID(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, c.ids.Add(1))
}

// killAll kills the processes still running (a test that stopped early),
// closes their proxies and writes each one's log next to the history (in
// the test's artifact directory: kept with go test -artifacts).
func (c *cluster) killAll() {
	c.mu.Lock()
	all := c.all
	c.mu.Unlock()
	for _, s := range all {
		if s.alive() {
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if err := s.proxy.Close(); err != nil {
			c.t.Errorf("closing the proxy of %s: %v", s, err)
		}
		log := filepath.Join(filepath.Dir(c.w.path), fmt.Sprintf("server-%s-%d.log", s.name, s.pid))
		if err := os.WriteFile(log, []byte(s.stderr.String()), 0o644); err != nil {
			c.t.Errorf("keeping the log of %s: %v", s, err)
		}
		if strings.Contains(s.stderr.String(), "DATA RACE") {
			c.t.Errorf("server %s: data race:\n%s", s, s.stderr.String())
		}
	}
}
