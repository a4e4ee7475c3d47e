package clustertest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Cluster is a running RabbitMQ cluster of three nodes on 127.0.0.1, each
// with the guest user (which RabbitMQ lets in from loopback only).
type Cluster struct {
	script  script
	state   state
	startUp time.Duration // 0 when attached to a cluster started elsewhere
	waited  time.Duration // for DIR.owner, before starting
}

// URL returns the oslo.messaging transport URL listing every node:
// rabbit://guest:guest@127.0.0.1:5681,guest:guest@127.0.0.1:5682,.../
func (c *Cluster) URL() string { return c.state.url }

// Nodes returns the number of nodes.
func (c *Cluster) Nodes() int { return len(c.state.nodes) }

// NodeURL returns the amqp:// URL of node i (1..Nodes), for amqp091.Dial.
func (c *Cluster) NodeURL(i int) string { return c.state.amqpURLs[c.index(i)] }

// NodeName returns the Erlang name of node i, as rabbitmqctl -n takes it.
func (c *Cluster) NodeName(i int) string { return c.state.nodes[c.index(i)] }

// NodeNames returns the Erlang names of all nodes, node 1 first.
func (c *Cluster) NodeNames() []string { return append([]string(nil), c.state.nodes...) }

// Dir returns the cluster directory; node i logs to Dir()/c<i>/log.
func (c *Cluster) Dir() string { return c.script.dir }

// StartUp returns how long the cluster took to start (three nodes booted
// in parallel, then clustered), or 0 when it was started elsewhere.
func (c *Cluster) StartUp() time.Duration { return c.startUp }

func (c *Cluster) index(i int) int {
	if i < 1 || i > len(c.state.nodes) {
		panic(fmt.Sprintf("clustertest: node %d: nodes are numbered 1 to %d", i, len(c.state.nodes)))
	}
	return i - 1
}

// StopNode stops node i the way an operator would (rabbitmqctl stop): the
// broker sends its clients connection.close 320 CONNECTION_FORCED and halts,
// so their TCP connections end (amqp091 may report a 501 connection reset
// instead, when its close-ok finds the socket closed), and the other nodes
// see it leave. It returns once the node's processes are gone. The node is
// started again when the test ends if the test did not.
func (c *Cluster) StopNode(t testing.TB, i int) {
	t.Helper()
	c.down(t, "stop-node", i)
}

// KillNode kills node i with SIGKILL, as a crash or power loss would: its
// clients see their connections end without connection.close. Like
// StopNode, it restarts the node when the test ends.
func (c *Cluster) KillNode(t testing.TB, i int) {
	t.Helper()
	c.down(t, "kill-node", i)
}

func (c *Cluster) down(t testing.TB, cmd string, i int) {
	t.Helper()
	c.index(i)
	t.Cleanup(func() {
		if _, err := c.script.node("start-node", i); err != nil {
			t.Errorf("restarting node %d after the test: %v", i, err)
		}
	})
	if _, err := c.script.node(cmd, i); err != nil {
		t.Fatal(err)
	}
}

// StartNode starts node i unless it is running and waits until it has
// booted, which includes rejoining the cluster.
func (c *Cluster) StartNode(t testing.TB, i int) {
	t.Helper()
	c.index(i)
	if _, err := c.script.node("start-node", i); err != nil {
		t.Fatal(err)
	}
}

// StartAll starts every node that is not running, all at once, and waits
// until all have booted. After stopping the whole cluster, use it rather
// than StartNode node by node: a booting node may wait for the others (for
// Mnesia's tables, or for the outcome of a transaction they took part in
// when they stopped), so starting them in turn can hang until the timeout.
func (c *Cluster) StartAll(t testing.TB) {
	t.Helper()
	if _, err := c.script.run("start-all"); err != nil {
		t.Fatal(err)
	}
}

// WaitNodeUp waits until node i has booted, failing the test after
// RPCEXEC_CLUSTER_TIMEOUT (300 s by default) or if the node is not running.
func (c *Cluster) WaitNodeUp(t testing.TB, i int) {
	t.Helper()
	c.index(i)
	if _, err := c.script.node("wait-node", i); err != nil {
		t.Fatal(err)
	}
}

// Running returns the names of the nodes that node i sees running, sorted.
// Node i itself must be running.
func (c *Cluster) Running(t testing.TB, i int) []string {
	t.Helper()
	c.index(i)
	out, err := c.script.node("running", i)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(out)
}

// Ctl runs rabbitmqctl on node i (rabbitmqctl -n NODE args...) as the
// nodes' user and returns its standard output, for what AMQP cannot do:
// policies (set_policy, clear_policy), queue types (list_queues name type).
// Pass -q to leave out rabbitmqctl's banner. Node i must be running.
func (c *Cluster) Ctl(t testing.TB, i int, args ...string) string {
	t.Helper()
	c.index(i)
	out, err := c.script.ctl(i, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
