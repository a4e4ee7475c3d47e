package clustertest

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// Environment variables; doc.go says what each does.
const (
	StartEnv   = "RPCEXEC_CLUSTER"         // "1": start a cluster for this test binary
	AttachEnv  = "RPCEXEC_CLUSTER_ATTACH"  // DIR of a cluster from `scripts/rabbit-cluster up DIR`
	DirEnv     = "RPCEXEC_CLUSTER_DIR"     // where a started cluster lives
	RequireEnv = "RPCEXEC_REQUIRE_CLUSTER" // "1": no cluster is a failure, not a skip
)

// DefaultDir is where a started cluster lives without RPCEXEC_CLUSTER_DIR.
// It differs from the script's default (/tmp/rpcexec-cluster), so tests
// never take down a cluster someone started by hand.
const DefaultDir = "/tmp/rpcexec-clustertest"

// shared is this test binary's cluster, started by the first Get.
var shared struct {
	once    sync.Once
	cluster *Cluster
	owner   *owner // nil when attached
	err     error
}

// Get returns the test binary's cluster, starting it on the first call when
// RPCEXEC_CLUSTER=1. Without a cluster it skips the test with how to run
// it, or fails it when RPCEXEC_REQUIRE_CLUSTER=1. Tests that stop nodes
// leave the cluster whole for the next test (see [Cluster.StopNode]).
// Wrap TestMain with [M] so that the cluster is gone before the binary
// exits; without it the own process removes it just after.
func Get(t testing.TB) *Cluster {
	t.Helper()
	if os.Getenv(StartEnv) != "1" && os.Getenv(AttachEnv) == "" {
		msg := "clustertest: no RabbitMQ cluster: set " + StartEnv + "=1 to start a 3-node cluster for these tests " +
			"(needs root and the Debian rabbitmq-server package; 30-60 s), or start one with `" +
			scriptPath + " up DIR` and set " + AttachEnv + "=DIR"
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal(msg + "; " + RequireEnv + "=1 makes cluster tests required")
		}
		t.Skip(msg)
	}
	started := false
	shared.once.Do(func() {
		started = true
		shared.cluster, shared.owner, shared.err = start()
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	if c := shared.cluster; started && shared.owner != nil {
		if c.waited > time.Second {
			t.Logf("clustertest: waited %v for another test binary to finish with %s", c.waited.Round(100*time.Millisecond), c.Dir())
		}
		t.Logf("clustertest: started %d nodes in %s in %v", c.Nodes(), c.Dir(), c.StartUp().Round(100*time.Millisecond))
	}
	return shared.cluster
}

// start starts the cluster, or attaches to one.
func start() (*Cluster, *owner, error) {
	path, err := findScript()
	if err != nil {
		return nil, nil, err
	}
	if dir := os.Getenv(AttachEnv); dir != "" {
		st, err := loadState(dir)
		if err != nil {
			return nil, nil, err
		}
		return &Cluster{script: script{path: path, dir: dir}, state: st}, nil, nil
	}
	dir := os.Getenv(DirEnv)
	if dir == "" {
		dir = DefaultDir
	}
	s := script{path: path, dir: dir}
	t0 := time.Now()
	o, err := own(s)
	if err != nil {
		return nil, nil, err
	}
	waited := time.Since(t0)
	t0 = time.Now()
	if _, err := s.run("up"); err != nil {
		o.release()
		return nil, nil, err
	}
	took := time.Since(t0)
	st, err := loadState(dir)
	if err != nil {
		s.run("down")
		o.release()
		return nil, nil, err
	}
	return &Cluster{script: s, state: st, startUp: took, waited: waited}, o, nil
}

// TestingM is what a TestMain runs: *testing.M, or goleak's TestingM.
type TestingM interface{ Run() int }

// M wraps m so that Run tears the cluster down after the tests, before
// goleak looks for leaks:
//
//	func TestMain(m *testing.M) { goleak.VerifyTestMain(clustertest.M(m)) }
func M(m TestingM) TestingM { return withCluster{m} }

// Main is TestMain for a package that does not use goleak.
func Main(m *testing.M) { os.Exit(M(m).Run()) }

type withCluster struct{ m TestingM }

// Run runs the tests, then removes the cluster they started and says how
// long it took to start and stop; a failed teardown fails the run.
func (w withCluster) Run() int {
	code := w.m.Run()
	if shared.owner == nil {
		return code
	}
	c := shared.cluster
	t0 := time.Now()
	_, err := c.script.run("down")
	if rerr := shared.owner.release(); err == nil {
		err = rerr
	}
	fmt.Fprintf(os.Stderr, "clustertest: %d-node cluster in %s: started in %v, removed in %v\n",
		c.Nodes(), c.Dir(), c.StartUp().Round(100*time.Millisecond), time.Since(t0).Round(100*time.Millisecond))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
