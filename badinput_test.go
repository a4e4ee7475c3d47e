package rpcexec_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/internal/syncbuf"
	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/transport/memory"
	"github.com/rpcexec/rpcexec/wire"
)

// callEnvelope is a call's body with the given inner message, addressed to
// replyQ, then changed by edits (which may remove or spoil the routing).
func callEnvelope(inner map[string]any, replyQ string, edits ...func(inner map[string]any)) []byte {
	inner["_msg_id"] = "m-" + wire.NewID()
	inner["_reply_q"] = replyQ
	for _, edit := range edits {
		edit(inner)
	}
	msg, err := json.Marshal(inner)
	if err != nil {
		panic(err) // a mistake in the test
	}
	return wire.Seal(msg)
}

// TestBadInput publishes bodies that are not valid requests straight onto
// the server's queue: each is logged once with its reason, answered with an
// error when it names a caller, settled (never requeued), and the server
// keeps serving.
func TestBadInput(t *testing.T) {
	cfg := testConfig(t, "pool")
	cfg.MaxMessageSize = 4096
	logs := new(syncbuf.Buffer)
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	busName := strings.TrimPrefix(cfg.TransportURL, "memory://")
	bus := memory.Named(busName)

	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "echo", func(_ context.Context, a echoArgs) (echoArgs, error) { return a, nil })
	srv := startServer(t, cfg, ep)

	replyQ := "reply_badinput"
	if err := bus.DeclareQueue(replyQ, memory.QueueOptions{}); err != nil {
		t.Fatal(err)
	}
	replies, err := bus.Consume(16, replyQ)
	if err != nil {
		t.Fatal(err)
	}
	defer replies.Close(context.Background())

	tests := []struct {
		name      string
		body      []byte
		reason    string // in the log line and the error reply
		wantReply bool
	}{
		{"not json", []byte("hello"), "not a JSON object", false},
		{"not utf-8", []byte("{\"oslo.version\": \"2.0\", \"oslo.message\": \"\xff\xfe\"}"), "UTF-8", false},
		{"truncated", []byte(`{"oslo.version": "2.0", "oslo.mes`), "not a JSON object", false},
		{"no envelope", []byte(`{"method": "echo", "args": {}}`), "envelope", false},
		{"envelope 1.0", []byte(`{"oslo.version": "1.0", "oslo.message": "{}"}`), "unsupported envelope version", false},
		{"no method", callEnvelope(map[string]any{"args": map[string]any{}}, replyQ), "no method", true},
		{"args not object", callEnvelope(map[string]any{"method": "echo", "args": []int{1}}, replyQ), "must be a JSON object", true},
		{"too large", callEnvelope(map[string]any{"method": "echo", "args": map[string]any{"pad": strings.Repeat("x", 5000)}}, replyQ),
			"exceeds max_message_size 4096", true},
	}
	ctx := context.Background()
	to := transport.TopicAddress("openstack", "test", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := logs.Count(tt.reason)
			if err := bus.Publish(ctx, to.Exchange, to.RoutingKey, memory.Publishing{Body: tt.body}); err != nil {
				t.Fatal(err)
			}
			if tt.wantReply {
				r := nextReply(t, replies)
				if r.Failure == nil || r.Failure.Class != "ValueError" || !strings.Contains(r.Failure.Message, tt.reason) {
					t.Errorf("reply: got %+v (failure %+v), want a ValueError saying %q", r, r.Failure, tt.reason)
				}
			}
			logs.Await(t, tt.reason, before, 10*time.Second)
			if got := logs.Count(tt.reason) - before; got != 1 {
				t.Errorf("log lines saying %q: got %d, want 1", tt.reason, got)
			}
		})
	}

	// Still serving, and nothing left behind or requeued.
	client := newClient(t, cfg)
	var got echoArgs
	if err := client.Call(ctx, "echo", echoArgs{Value: 7}, &got); err != nil || got.Value != 7 {
		t.Fatalf("good call after bad input: got %+v, %v; want 7", got, err)
	}
	// A graceful stop applies every ack; anything not acked would be back.
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := bus.Stats("test"); s.Ready != 0 || s.Unacked != 0 {
		t.Errorf("server queue after stop: got %+v, want empty", s)
	}
	if st := srv.Stats(); st.Requeued != 0 || st.Rejected != 1 {
		t.Errorf("listener: got %+v, want no requeue and the oversize message rejected", st)
	}
}

// TestPoisonRejectedAfterMaxDeliveries: a message already delivered
// max_deliveries times is rejected with an error reply, not handled again.
func TestPoisonRejectedAfterMaxDeliveries(t *testing.T) {
	cfg := testConfig(t, "goroutine")
	cfg.MaxDeliveries = 3
	bus := memory.Named(strings.TrimPrefix(cfg.TransportURL, "memory://"))
	handled := make(chan struct{}, 1)
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "echo", func(_ context.Context, a echoArgs) (echoArgs, error) {
		handled <- struct{}{}
		return a, nil
	})

	// Declare the topology as a server would, then deliver and requeue the
	// message three times, as three crashed servers would have.
	tr := memory.NewTransport(bus)
	p, err := tr.Listen(context.Background(), transport.Subscription{Exchange: "openstack", Topic: "test", Server: "crashed"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	replyQ := "reply_poison"
	if err := bus.DeclareQueue(replyQ, memory.QueueOptions{}); err != nil {
		t.Fatal(err)
	}
	body := callEnvelope(map[string]any{"method": "echo", "args": map[string]any{"value": 1}}, replyQ)
	if err := bus.Publish(context.Background(), "openstack", "test", memory.Publishing{Body: body}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		batch, err := p.Poll(context.Background(), 5*time.Second, 1)
		if err != nil || len(batch) != 1 {
			t.Fatalf("delivery %d: got %d messages, %v", i+1, len(batch), err)
		}
		if err := p.Settle(context.Background(), []poller.Settlement{{Msg: batch[0], Outcome: poller.Requeue}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	startServer(t, cfg, ep)
	replies, err := bus.Consume(1, replyQ)
	if err != nil {
		t.Fatal(err)
	}
	defer replies.Close(context.Background())
	r := nextReply(t, replies)
	if r.Failure == nil || !strings.Contains(r.Failure.Message, "over max_deliveries 3") {
		t.Errorf("got %+v, want a failure saying it is over max_deliveries", r.Failure)
	}
	select {
	case <-handled:
		t.Errorf("the poison message was handled a fourth time, want it rejected")
	default:
	}
}

func nextReply(t *testing.T, p poller.Poller) *wire.Reply {
	t.Helper()
	batch, err := p.Poll(context.Background(), 10*time.Second, 1)
	if err != nil || len(batch) != 1 {
		t.Fatalf("waiting for a reply: got %d messages, %v", len(batch), err)
	}
	if err := p.Settle(context.Background(), []poller.Settlement{{Msg: batch[0], Outcome: poller.Ack}}); err != nil {
		t.Fatal(err)
	}
	r, err := wire.DecodeReply(batch[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
