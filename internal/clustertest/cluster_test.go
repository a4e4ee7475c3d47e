package clustertest_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec/internal/clustertest"
	"github.com/rpcexec/rpcexec/transport"
)

// TestMain removes the cluster after the tests, then checks that amqp091's
// goroutines are gone, those of connections a stopped node cut among them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(clustertest.M(m)) }

// TestClusterForms: every node sees all three running and lets guest in
// over its own URL, and URL lists every node for oslo.messaging.
func TestClusterForms(t *testing.T) {
	c := clustertest.Get(t)
	t.Logf("cluster started in %v", c.StartUp().Round(100*time.Millisecond))
	want := c.NodeNames()
	slices.Sort(want)
	for i := 1; i <= c.Nodes(); i++ {
		if got := c.Running(t, i); !slices.Equal(got, want) {
			t.Errorf("running nodes as %s sees them: got %v, want %v", c.NodeName(i), got, want)
		}
		channel(t, c.NodeURL(i))
	}

	u, err := transport.ParseURL(c.URL())
	if err != nil {
		t.Fatalf("ParseURL(%s): %v", c.URL(), err)
	}
	if len(u.Hosts) != c.Nodes() {
		t.Fatalf("hosts in %s: got %d, want %d", c.URL(), len(u.Hosts), c.Nodes())
	}
	for i, h := range u.Hosts {
		node, _ := url.Parse(c.NodeURL(i + 1))
		if h.Addr() != node.Host || h.Username != "guest" {
			t.Errorf("host %d of URL: got %s@%s, want guest@%s", i+1, h.Username, h.Addr(), node.Host)
		}
	}
}

// TestQuorumQueueSurvivesNodeStop: a quorum queue declared through node 1
// keeps its messages and takes new ones through node 2 while node 1 is
// down, and node 1 serves it again once it is back in the cluster.
func TestQuorumQueueSurvivesNodeStop(t *testing.T) {
	c := clustertest.Get(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	queue := fmt.Sprintf("clustertest.quorum.%d", time.Now().UnixNano())

	ch1 := channel(t, c.NodeURL(1))
	if _, err := ch1.QueueDeclare(queue, true, false, false, false, amqp091.Table{"x-queue-type": "quorum"}); err != nil {
		t.Fatalf("declaring quorum queue %s through node 1: %v", queue, err)
	}
	t.Cleanup(func() {
		if _, err := channel(t, c.NodeURL(2)).QueueDelete(queue, false, false, false); err != nil {
			t.Errorf("deleting %s: %v", queue, err)
		}
	})
	// Ctl runs rabbitmqctl, here on another node than the one declaring.
	if out := c.Ctl(t, 2, "-q", "list_queues", "name", "type"); !strings.Contains(out, queue+"\tquorum") {
		t.Errorf("rabbitmqctl -n %s list_queues name type: got %q, want a line %q", c.NodeName(2), out, queue+"\tquorum")
	}
	publish(ctx, t, ch1, queue, "before")

	c.StopNode(t, 1)
	ch2 := channel(t, c.NodeURL(2))
	// Confirmed once the two remaining replicas have a leader and the message.
	publish(ctx, t, ch2, queue, "after")
	if got, want := consume(ctx, t, ch2, queue, 2), []string{"before", "after"}; !slices.Equal(got, want) {
		t.Errorf("messages through node 2 with node 1 down: got %q, want %q", got, want)
	}

	c.StartNode(t, 1)
	want := c.NodeNames()
	slices.Sort(want)
	if got := c.Running(t, 2); !slices.Equal(got, want) {
		t.Errorf("running nodes as node 2 sees them after node 1 came back: got %v, want %v", got, want)
	}
	ch1 = channel(t, c.NodeURL(1))
	publish(ctx, t, ch1, queue, "back")
	if got, want := consume(ctx, t, ch1, queue, 1), []string{"back"}; !slices.Equal(got, want) {
		t.Errorf("messages through node 1 after it came back: got %q, want %q", got, want)
	}
}

// TestNodeDownAsClientsSeeIt: StopNode ends client connections with the
// broker's connection.close 320, KillNode drops them without a word; either
// way the other nodes see the node go, and it comes back into the cluster.
//
// After a stop, amqp091 reports the 320, or a 501 "connection reset" when
// its close-ok reaches a socket the halting node has already closed. After
// a kill it can only report the 501.
func TestNodeDownAsClientsSeeIt(t *testing.T) {
	c := clustertest.Get(t)
	const node = 3
	all := c.NodeNames()
	slices.Sort(all)
	tests := []struct {
		name      string
		down      func(testing.TB, int)
		wantCodes []int // what amqp091's NotifyClose may report
	}{
		{"stop", c.StopNode, []int{amqp091.ConnectionForced, amqp091.FrameError}},
		{"kill", c.KillNode, []int{amqp091.FrameError}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			closed := dial(t, c.NodeURL(node)).NotifyClose(make(chan *amqp091.Error, 1))
			tc.down(t, node)
			select {
			case err := <-closed:
				if err == nil || !slices.Contains(tc.wantCodes, err.Code) {
					t.Errorf("connection to node %d closed with %v, want one of codes %v", node, err, tc.wantCodes)
				} else {
					t.Logf("connection to node %d closed with %v", node, err)
				}
			case <-ctx.Done():
				t.Fatalf("connection to node %d: not closed after the node went down: %v", node, ctx.Err())
			}
			if got := c.Running(t, 1); slices.Contains(got, c.NodeName(node)) {
				t.Errorf("running nodes as node 1 sees them with node %d down: got %v, want it gone", node, got)
			}
			c.StartNode(t, node)
			if got := c.Running(t, 1); !slices.Equal(got, all) {
				t.Errorf("running nodes as node 1 sees them after node %d came back: got %v, want %v", node, got, all)
			}
		})
	}
}

// dial opens a connection, closed when the test ends.
func dial(t *testing.T, nodeURL string) *amqp091.Connection {
	t.Helper()
	conn, err := amqp091.Dial(nodeURL)
	if err != nil {
		t.Fatalf("dialing %s: %v", nodeURL, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// channel opens a connection and a channel in confirm mode, closed when the
// test ends.
func channel(t *testing.T, nodeURL string) *amqp091.Channel {
	t.Helper()
	ch, err := dial(t, nodeURL).Channel()
	if err != nil {
		t.Fatalf("channel on %s: %v", nodeURL, err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatalf("confirm mode on %s: %v", nodeURL, err)
	}
	return ch
}

// publish publishes body to queue and waits for the broker's confirm.
func publish(ctx context.Context, t *testing.T, ch *amqp091.Channel, queue, body string) {
	t.Helper()
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false,
		amqp091.Publishing{DeliveryMode: amqp091.Persistent, Body: []byte(body)})
	if err != nil {
		t.Fatalf("publishing %q to %s: %v", body, queue, err)
	}
	acked, err := dc.WaitContext(ctx)
	if err != nil || !acked {
		t.Fatalf("confirm of %q on %s: got acked=%v err=%v, want acked", body, queue, acked, err)
	}
}

// consume takes n messages from queue.
func consume(ctx context.Context, t *testing.T, ch *amqp091.Channel, queue string, n int) []string {
	t.Helper()
	const tag = "clustertest"
	deliveries, err := ch.ConsumeWithContext(ctx, queue, tag, true, false, false, false, nil)
	if err != nil {
		t.Fatalf("consuming from %s: %v", queue, err)
	}
	defer ch.Cancel(tag, false)
	var got []string
	for len(got) < n {
		select {
		case d, ok := <-deliveries:
			if !ok {
				t.Fatalf("consuming from %s: channel closed after %q, want %d messages", queue, got, n)
			}
			got = append(got, string(d.Body))
		case <-ctx.Done():
			t.Fatalf("consuming from %s: got %q before %v, want %d messages", queue, got, ctx.Err(), n)
		}
	}
	return got
}
