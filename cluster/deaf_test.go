package cluster_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/clustertest"
)

// TestQueueGoneWithoutCancel: when the broker loses the record of a queue
// that a poller consumes without cancelling its consumer, the poller finds
// out within a heartbeat interval or so, reconnects and declares the queue
// again, so that its server or client is not deaf from then on.
//
// RabbitMQ 3.10 does this when a node stops while a client declares a
// transient queue of the same name on another node (a reply queue, a
// server's fanout queue, a classic topic queue): the other nodes' clean-up
// of the stopped node's queues deletes the new queue's record by name,
// and the consumer, attached to the new queue's process, hears nothing.
// Seen in TestCallersThroughNodeStopAndStart (every call of a client timed
// out after the reconnect) and reproduced by hand with 1,000 transient
// queues on the stopping node; and when a quorum queue is deleted under
// load (TestBrokerCancelsConsumer). Here the record is deleted the way the
// clean-up does it (rabbit_amqqueue:internal_delete), which leaves the
// consumer in exactly that state, every time.
//
// The session's verify (transport/rabbit/verify.go) finds the queue gone
// within a heartbeat check interval; without it the client's calls all
// time out and the server receives no fanout casts.
func TestQueueGoneWithoutCancel(t *testing.T) {
	c := clustertest.Get(t)
	const recoverWithin = 30 * time.Second
	url := nodesURL(t, c, quorum, 3, 1, 2)
	topic := newTopic(t, c, "s1")
	buf := logs(t, "rpcexec")
	tl := newTally(1)
	before := queueTypes(t, c, 1)
	startServer(t, config(url, executor.Pool, buf), topic, "s1", endpoint(tl, "s1", 0))
	cfg := config(url, executor.Pool, buf)
	cfg.RPCResponseTimeout = rpcexec.Duration(2 * time.Second)
	cl := newClient(t, cfg, topic)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := cl.Call(ctx, "echo", map[string]int{"value": 1}, nil); err != nil {
		t.Fatal(err)
	}
	var reply, fanout string
	for name := range queueTypes(t, c, 1) {
		switch {
		case before[name] != "":
		case strings.HasPrefix(name, "reply_"):
			reply = name
		case strings.HasPrefix(name, topic+"_fanout_"):
			fanout = name
		}
	}
	if reply == "" || fanout == "" {
		t.Fatalf("reply queue %q, fanout queue %q: want both found", reply, fanout)
	}
	for _, q := range []string{reply, fanout} {
		c.Ctl(t, 1, "-q", "eval", `rabbit_amqqueue:internal_delete(rabbit_misc:r(<<"/">>, queue, <<"`+q+`">>), <<"rpcexec-test">>).`)
	}

	t.Run("client's reply queue", func(t *testing.T) {
		deadline := time.Now().Add(recoverWithin)
		for {
			err := cl.Call(ctx, "echo", map[string]int{"value": 2}, nil)
			if err == nil {
				return
			}
			if !errors.Is(err, rpcexec.ErrTimeout) || time.Now().After(deadline) {
				t.Fatalf("calls after reply queue %s lost its record: still %v after %v", reply, err, recoverWithin)
			}
		}
	})
	t.Run("server's fanout queue", func(t *testing.T) {
		deadline := time.Now().Add(recoverWithin)
		for tl.handled() == 0 {
			err := cl.Prepare(rpcexec.Fanout()).Cast(ctx, "record", idArgs{ID: 0})
			if time.Now().After(deadline) {
				t.Fatalf("fanout casts after fanout queue %s lost its record: none handled within %v (last cast: %v)", fanout, recoverWithin, err)
			}
			time.Sleep(time.Second)
		}
	})
}
