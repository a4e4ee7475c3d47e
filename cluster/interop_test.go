package cluster_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/clustertest"
)

// TestQuorumInterop: with rabbit_quorum_queue (and a delivery limit) in
// the transport URL of both, an rpcexec server joins a topic that an
// oslo.messaging server declared, and an oslo.messaging server joins one
// that rpcexec declared. Either way the declarations match (the broker
// would refuse them otherwise), the topic and server queues are quorum
// queues with the limit, the fanout and reply queues are classic ones as
// oslo makes them, and casts to the topic are shared between both
// servers, each handled once.
func TestQuorumInterop(t *testing.T) {
	t.Parallel()
	c := clustertest.Get(t)
	requireOslo(t)
	const casts = 200
	query := quorum + "&rabbit_quorum_delivery_limit=5"
	for _, osloFirst := range []bool{true, false} {
		name := "rpcexec joins oslo"
		if !osloFirst {
			name = "oslo joins rpcexec"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			topic := newTopic(t, c, "oslo", "go")
			url := nodesURL(t, c, query, 2, 3, 1)
			tl := newTally(casts)
			buf := logs(t, "rpcexec")
			startOslo := func() *pyProc {
				p := startPy(t, func(l pyLine) {
					if l.ID != nil {
						tl.add(*l.ID, "oslo")
					}
				}, "oslo_server.py", url, "openstack", topic, "oslo")
				p.awaitReady(t, time.Minute)
				return p
			}
			if osloFirst {
				startOslo()
				startServer(t, config(url, executor.Pool, buf), topic, "go", endpoint(tl, "go", 0))
			} else {
				startServer(t, config(url, executor.Pool, buf), topic, "go", endpoint(tl, "go", 0))
				startOslo()
			}
			cl := newClient(t, config(url, executor.Pool, buf), topic)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			for _, server := range []string{"oslo", "go"} {
				var got string
				if err := cl.Prepare(rpcexec.ToServer(server)).Call(ctx, "echo", map[string]string{"value": server}, &got); err != nil || got != server {
					t.Errorf("rpcexec client calling server %s: got %q, %v", server, got, err)
				}
			}
			if osloFirst {
				if err := castIDs(ctx, cl, 0, casts, 0); err != nil {
					t.Fatal(err)
				}
			} else {
				caster := startPy(t, nil, "oslo_client.py", url, "openstack", topic, "cast", "200", "0")
				if err := caster.wait(2 * time.Minute); err != nil {
					t.Fatalf("oslo client casting: %v\n%s", err, caster.stderr)
				}
				caller := startPy(t, nil, "oslo_client.py", url, "openstack", topic, "call", "20", "go")
				if err := caller.wait(2 * time.Minute); err != nil {
					t.Errorf("oslo client calling the rpcexec server: %v\n%s", err, caller.stderr)
				}
			}
			tl.awaitAll(t, "casts", time.Minute)
			tl.exactlyOnce(t, "casts")
			if by := tl.byServer(); by["oslo"] == 0 || by["go"] == 0 {
				t.Errorf("casts by server: %v, want both servers to have some", by)
			}

			// What the broker has, seen from another node.
			out := c.Ctl(t, 1, "-q", "list_queues", "name", "type", "durable", "arguments")
			for _, q := range []string{topic, topic + ".oslo", topic + ".go"} {
				if l := line(out, q+"\t"); !strings.Contains(l, "\tquorum\ttrue\t") || !strings.Contains(l, `"x-delivery-limit",5`) {
					t.Errorf("queue %s: got %q, want a durable quorum queue with x-delivery-limit 5", q, l)
				}
			}
			fanouts := 0
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, topic+"_fanout_") {
					fanouts++
					if !strings.Contains(l, "\tclassic\tfalse\t") || !strings.Contains(l, `"x-expires",1800000`) {
						t.Errorf("fanout queue: got %q, want classic, not durable, x-expires 1800000", l)
					}
				}
			}
			if fanouts != 2 {
				t.Errorf("fanout queues of %s: got %d, want one per server, 2\n%s", topic, fanouts, out)
			}
			t.Logf("casts by server: %v", tl.byServer())
		})
	}
}

// TestReplyQueueIsClassic: with rabbit_quorum_queue, a client's reply
// queue is a classic queue that is not durable and expires, as oslo's
// declare_direct_consumer makes it; quorum queues are for topics only.
func TestReplyQueueIsClassic(t *testing.T) {
	t.Parallel()
	c := clustertest.Get(t)
	url := nodesURL(t, c, quorum, 1, 2, 3)
	topic := newTopic(t, c, "s1")
	buf := logs(t, "rpcexec")
	startServer(t, config(url, executor.Pool, buf), topic, "s1", endpoint(newTally(0), "s1", 0))
	cl := newClient(t, config(url, executor.Pool, buf), topic)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := cl.Call(ctx, "echo", map[string]int{"value": 1}, nil); err != nil {
		t.Fatal(err)
	}
	// Every reply queue on the cluster, this client's among them (and
	// those of tests running alongside), must be so.
	out := c.Ctl(t, 1, "-q", "list_queues", "name", "type", "durable", "arguments")
	replies := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "reply_") {
			replies++
			if !strings.Contains(l, "\tclassic\tfalse\t") || !strings.Contains(l, `"x-expires",1800000`) {
				t.Errorf("reply queue: got %q, want classic, not durable, x-expires 1800000", l)
			}
		}
	}
	if replies == 0 {
		t.Errorf("no reply queue listed:\n%s", out)
	}
}

// line returns the line of out that starts with prefix.
func line(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
