package rabbit

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/transport"

	"github.com/rpcexec/rpcexec/poller"
)

// pollAll polls p until it has n messages or the deadline passes, acking
// them.
func pollAll(t *testing.T, p poller.Poller, n int) []*poller.Message {
	t.Helper()
	ctx := context.Background()
	var got []*poller.Message
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		msgs, err := p.Poll(ctx, 100*time.Millisecond, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if err := p.Settle(ctx, []poller.Settlement{{Msg: m, Outcome: poller.Ack}}); err != nil {
				t.Fatal(err)
			}
		}
		got = append(got, msgs...)
	}
	if len(got) != n {
		t.Fatalf("got %d messages, want %d", len(got), n)
	}
	return got
}

// TestListen starts a server's poller and reaches it through each of its
// three queues; closing the poller deletes its fanout queue, as oslo does.
func TestListen(t *testing.T) {
	c := rawConn(t)
	tg, _ := testTarget(t, c)
	r := openRabbit(t, brokerURL(t), fastOptions())
	ctx := context.Background()
	p, err := r.Listen(ctx, tg, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []transport.Address{
		transport.TopicAddress(tg.Exchange, tg.Topic, ""),
		transport.TopicAddress(tg.Exchange, tg.Topic, tg.Server),
		transport.FanoutAddress(tg.Topic),
	} {
		if err := r.Publish(ctx, to, transport.Message{Body: []byte(`{}`), Mandatory: true}); err != nil {
			t.Fatalf("publishing to %s: %v", label(to), err)
		}
	}
	var queues []string
	for _, m := range pollAll(t, p, 3) {
		queues = append(queues, m.Queue)
	}
	slices.Sort(queues)
	fanout := queues[2]
	if queues[0] != tg.Topic || queues[1] != tg.Topic+"."+tg.Server ||
		!regexp.MustCompile(`^`+regexp.QuoteMeta(tg.Topic)+`_fanout_[0-9a-f]{32}$`).MatchString(fanout) {
		t.Errorf("got messages from %q; want <topic>, <topic>.<server>, <topic>_fanout_<uuid hex>", queues)
	}
	deleteLater(t, c, []string{fanout}, nil)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := rawChannel(t, c).QueueDeclarePassive(fanout, false, false, false, false, nil); err == nil {
		t.Errorf("fanout queue %s outlived its poller", fanout)
	}
}

func TestListenReplies(t *testing.T) {
	c := rawConn(t)
	r := openRabbit(t, brokerURL(t), fastOptions())
	ctx := context.Background()
	q, p, err := r.ListenReplies(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	deleteLater(t, c, []string{q}, nil)
	if !regexp.MustCompile(`^reply_[0-9a-f]{32}$`).MatchString(q) {
		t.Errorf("reply queue %q, want reply_<uuid hex>", q)
	}
	if err := r.Publish(ctx, transport.ReplyAddress(q), transport.Message{Body: []byte(`{}`), Mandatory: true}); err != nil {
		t.Fatal(err)
	}
	pollAll(t, p, 1)
}

// TestListenWaitsForBroker starts listening while the only broker
// refuses: Listen keeps trying until it is let in.
func TestListenWaitsForBroker(t *testing.T) {
	c := rawConn(t)
	tg, _ := testTarget(t, c)
	px := brokertest.Proxy(t)
	px.Refuse()
	o := fastOptions()
	log, retries := countLogs("rabbit: cannot listen yet; retrying")
	o.Logger = log
	r := openRabbit(t, brokerURL(t, px.Addr()), o)
	type result struct {
		p   poller.Poller
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := r.Listen(context.Background(), tg, 10)
		done <- result{p, err}
	}()
	eventually(t, 5*time.Second, "Listen retries", func() bool { return retries.Load() >= 2 })
	px.Allow()
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatal(res.err)
		}
		res.p.Close(context.Background())
	case <-time.After(10 * time.Second):
		t.Fatal("Listen did not return after the broker came back")
	}
}

// TestListenPreconditionFailsAtOnce: a declaration conflict is not
// retried; Listen says what differs.
func TestListenPreconditionFailsAtOnce(t *testing.T) {
	c := rawConn(t)
	tg, _ := testTarget(t, c)
	if _, err := rawChannel(t, c).QueueDeclare(tg.Topic, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	r := openRabbit(t, brokerURL(t), fastOptions())
	_, err := r.Listen(context.Background(), tg, 10)
	if err == nil || !errors.Is(err, ErrPrecondition) {
		t.Fatalf("got %v, want ErrPrecondition", err)
	}
}
