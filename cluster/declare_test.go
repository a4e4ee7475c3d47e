package cluster_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/clustertest"
	"github.com/rpcexec/rpcexec/transport/rabbit"
	"github.com/rpcexec/rpcexec/wire"
)

// TestConflictingDeployments: an rpcexec server whose queue options differ
// from those of the oslo.messaging services already on a topic fails to
// start at once, and the error names the queue and the option that makes
// the declarations match, whichever declaration the broker refused: the
// control exchange (durable in a quorum deployment, not in a classic one)
// or the topic queue (quorum or classic).
func TestConflictingDeployments(t *testing.T) {
	t.Parallel()
	c := clustertest.Get(t)
	requireOslo(t)
	tests := []struct {
		name      string
		osloQuery string // the oslo services' options
		rpcexec   string // rpcexec's
		want      []string
		dontWant  []string
	}{
		{"quorum deployment, rpcexec without options", quorum, "",
			[]string{`exchange "%x" exists with durable = true where rpcexec declared false`,
				`queue "%t" is a quorum queue: set rabbit_quorum_queue = true (now false)`},
			[]string{"amqp_durable_queues = true"}},
		{"classic deployment, rpcexec with quorum queues", "", quorum,
			[]string{`exchange "%x" exists with durable = false where rpcexec declared true`,
				`queue "%t" is a classic queue, not durable: set rabbit_quorum_queue = false (now true)`},
			nil},
		{"durable classic deployment, rpcexec with quorum queues", "amqp_durable_queues=true", quorum,
			[]string{`queue "%t" exists with x-queue-type = none where rpcexec declared quorum`,
				"it is a classic queue: set rabbit_quorum_queue = false (now true)"},
			nil},
		{"durable classic deployment, rpcexec without options", "amqp_durable_queues=true", "",
			[]string{`queue "%t" is a durable classic queue: set amqp_durable_queues = true (now false)`},
			[]string{"rabbit_quorum_queue = true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			topic := newTopic(t, c, "oslo", "go")
			exchange := "clus-x-" + wire.NewID()[:10] // the durability of "openstack" is the quorum tests'
			t.Cleanup(func() { _ = channel(t, c, 1).ExchangeDelete(exchange, false, false) })
			p := startPy(t, nil, "oslo_server.py", nodesURL(t, c, tt.osloQuery, 1, 2, 3), exchange, topic, "oslo")
			p.awaitReady(t, time.Minute)

			buf := logs(t, "rpcexec")
			cfg := config(nodesURL(t, c, tt.rpcexec, 2, 3, 1), executor.Pool, buf)
			cfg.ControlExchange = exchange
			srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: topic, Server: "go"}, dispatch.New(endpoint(newTally(0), "go", 0)))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err = srv.Start(ctx)
			if err == nil {
				srv.Close()
				t.Fatal("Start: got no error, want the declaration refused")
			}
			if !errors.Is(err, rabbit.ErrPrecondition) {
				t.Fatalf("Start: got %v, want rabbit.ErrPrecondition", err)
			}
			for _, w := range tt.want {
				w = strings.NewReplacer("%x", exchange, "%t", topic).Replace(w)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Start: got %q, want it to say %q", err, w)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(err.Error(), w) {
					t.Errorf("Start: got %q, want no mention of %q", err, w)
				}
			}
			if err := srv.Stop(ctx); err != nil {
				t.Errorf("Stop after a failed Start: %v", err)
			}
			t.Logf("Start: %v", err)
		})
	}
}

// TestBrokerCancelsConsumer: when the broker cancels one of a server's
// consumers (basic.cancel: here its fanout queue is deleted, as an
// operator might), the server treats it as a lost connection: it
// reconnects, declares its queues again under the same names and goes on
// serving.
//
// RabbitMQ 3.10 does not cancel quorum queue consumers when the queue's
// leader moves (the failover tests see a moved leader only as their node
// stopping), and under load it sometimes does not cancel them when the
// quorum queue is deleted either (seen in about one run in four of the
// parallel tests: the consumer is gone from the broker, the client never
// hears of it). The fanout queue is a classic queue, whose deletion
// cancels its consumers every time.
func TestBrokerCancelsConsumer(t *testing.T) {
	t.Parallel()
	c := clustertest.Get(t)
	const batch = 100
	url := nodesURL(t, c, quorum, 3, 1, 2)
	topic := newTopic(t, c, "s1")
	tl := newTally(2 * batch)
	buf := logs(t, "server")
	srv := startServer(t, config(url, executor.Goroutine, buf), topic, "s1", endpoint(tl, "s1", 0))
	cl := newClient(t, config(url, executor.Goroutine, buf), topic)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := castIDs(ctx, cl, 0, batch, 0); err != nil {
		t.Fatal(err)
	}
	tl.awaitHandled(t, "casts before", batch, time.Minute)

	var fanout string
	for name := range queueTypes(t, c, 1) {
		if strings.HasPrefix(name, topic+"_fanout_") {
			fanout = name
		}
	}
	if fanout == "" {
		t.Fatalf("no fanout queue of %s", topic)
	}
	reconnects := buf.Count(logReconnected)
	if _, err := channel(t, c, 1).QueueDelete(fanout, false, false, false); err != nil {
		t.Fatal(err)
	}
	buf.Await(t, logReconnected, reconnects, time.Minute)
	if !strings.Contains(buf.String(), "cancelled the consumer of queue") {
		t.Errorf("server log: want the consumer's cancellation named as the cause")
	}
	if types := queueTypes(t, c, 1); types[fanout] != "classic" {
		t.Errorf("fanout queue %s after the reconnect: type %q, want it declared again", fanout, types[fanout])
	}
	if err := cl.Prepare(rpcexec.Fanout()).Cast(ctx, "record", idArgs{ID: batch}); err != nil {
		t.Fatal(err)
	}
	if err := castIDs(ctx, cl, batch+1, 2*batch, 0); err != nil {
		t.Fatal(err)
	}
	tl.awaitAll(t, "casts after", time.Minute)
	tl.exactlyOnce(t, "casts")
	if err := srv.Err(); err != nil {
		t.Errorf("server stopped by itself: %v", err)
	}
}
