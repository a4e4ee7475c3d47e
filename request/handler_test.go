package request

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/wire"
)

// logLines is a slog.Handler keeping each record as a line, with its level.
type logLines struct {
	mu    sync.Mutex
	lines []logLine
}

type logLine struct {
	level slog.Level
	text  string // message and attributes
}

func (l *logLines) Enabled(context.Context, slog.Level) bool { return true }

func (l *logLines) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s", a)
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, logLine{r.Level, b.String()})
	return nil
}

func (l *logLines) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logLines) WithGroup(string) slog.Handler      { return l }

// atLeast returns the lines at level or above.
func (l *logLines) atLeast(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if line.level >= level {
			out = append(out, line.level.String()+" "+line.text)
		}
	}
	return out
}

type echoArgs struct {
	Value int `json:"value"`
}

type sizeArgs struct {
	N int `json:"n"`
}

// testDispatcher serves echo, and methods that misbehave: boom panics,
// big returns n bytes of x, quotes n double quotes (which the reply's two
// levels of JSON escaping make four bytes each), fail an error of n bytes.
func testDispatcher() *dispatch.Dispatcher {
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "echo", func(_ context.Context, a echoArgs) (echoArgs, error) { return a, nil })
	dispatch.Handle(ep, "boom", func(context.Context, echoArgs) (any, error) { panic("kaboom") })
	dispatch.Handle(ep, "big", func(_ context.Context, a sizeArgs) (string, error) {
		return strings.Repeat("x", a.N), nil
	})
	dispatch.Handle(ep, "quotes", func(_ context.Context, a sizeArgs) (string, error) {
		return strings.Repeat(`"`, a.N), nil
	})
	dispatch.Handle(ep, "fail", func(_ context.Context, a sizeArgs) (any, error) {
		return nil, errors.New(strings.Repeat("e", a.N))
	})
	return dispatch.New(ep)
}

// testMaxSize is the handler tests' max_message_size: room for a 1 MiB id.
const testMaxSize = 2 << 20

func newTestHandler(t *testing.T, pub Publisher, tracebacks bool) (*Handler, *logLines) {
	t.Helper()
	logs := &logLines{}
	h, err := New(Options{
		Dispatcher: testDispatcher(), Publisher: pub, MaxMessageSize: testMaxSize, MaxDeliveries: 5,
		DedupSize: 16, ReplyTimeout: 5 * time.Second, SendTracebacks: tracebacks, Logger: slog.New(logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	return h, logs
}

// call is a call of echo from m1 on reply_q, changed by edit.
func call(edit func(m map[string]any)) []byte {
	m := map[string]any{"method": "echo", "args": map[string]any{"value": 1},
		"_msg_id": "m1", "_reply_q": "reply_q", "_unique_id": wire.NewID(), "_timeout": nil}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return wire.Seal(b)
}

func set(key string, v any) func(map[string]any) { return func(m map[string]any) { m[key] = v } }

func unset(keys ...string) func(map[string]any) {
	return func(m map[string]any) {
		for _, k := range keys {
			delete(m, k)
		}
	}
}

// rawCall is a call of echo from m1 on reply_q with args written as they
// are, for what encoding/json will not write.
func rawCall(args string) []byte {
	return wire.Seal([]byte(`{"_msg_id": "m1", "_reply_q": "reply_q", "_unique_id": "` + wire.NewID() +
		`", "method": "echo", "args": ` + args + `}`))
}

func nested(open, close string, levels int) string {
	return strings.Repeat(open, levels) + "{}" + strings.Repeat(close, levels)
}

// TestHandleHostile runs malformed and hostile messages through Handle:
// the outcome for the loop, whether the caller is answered and with what
// failure, and the log lines at Warn or above (exactly one for a refusal,
// naming the reason).
func TestHandleHostile(t *testing.T) {
	const none, ok = "", "ok" // reply: none sent; a result
	big := strings.Repeat("x", testMaxSize)
	tests := []struct {
		name       string
		body       []byte
		deliveries int
		tracebacks bool
		outcome    poller.Outcome
		reply      string // none, ok, or the failure class
		text       string // in the failure message and the Warn line
		warn       int    // log lines at Warn or above
	}{
		{"a good call", call(nil), 0, false, poller.Ack, ok, "", 0},
		{"a good cast", call(unset("_msg_id", "_reply_q", "_timeout")), 0, false, poller.Ack, none, "", 0},
		{"a good call with a call-monitor timeout", call(set("_timeout", 30)), 0, false, poller.Ack, ok, "", 0},
		{"empty body", nil, 0, false, poller.Ack, none, "not a JSON object", 1},
		{"not JSON", []byte("hello"), 0, false, poller.Ack, none, "not a JSON object", 1},
		{"JSON but not an object", []byte(`[1, 2]`), 0, false, poller.Ack, none, "not a JSON object", 1},
		{"no envelope", []byte(`{"method": "echo", "args": {}, "_msg_id": "m1", "_reply_q": "reply_q"}`), 0, false,
			poller.Ack, none, "envelope", 1},
		{"envelope version 3", []byte(`{"oslo.version": "3.0", "oslo.message": "{}"}`), 0, false,
			poller.Ack, none, "unsupported envelope version", 1},
		{"oslo.message not a string", []byte(`{"oslo.version": "2.0", "oslo.message": {"method": "echo"}}`), 0, false,
			poller.Ack, none, "oslo.message", 1},
		{"inner message broken after the routing fields",
			wire.Seal([]byte(`{"_msg_id": "m1", "_reply_q": "reply_q", "method": "echo", "args": {"value": 1`)), 0, false,
			poller.Ack, "ValueError", "not a JSON object", 1},
		{"inner message broken before the routing fields",
			wire.Seal([]byte(`{"method": "echo", "args": {"value": 1]], "_msg_id": "m1", "_reply_q": "reply_q"}`)), 0, false,
			poller.Ack, none, "not a JSON object", 1},
		{"invalid UTF-8", []byte("{\"oslo.version\": \"2.0\", \"oslo.message\": \"{\\\"_msg_id\\\": \\\"m1\xff\\\"}\"}"), 0, false,
			poller.Ack, none, "UTF-8", 1},
		{"method missing", call(unset("method")), 0, false, poller.Ack, "ValueError", "no method", 1},
		{"method not a string", call(set("method", 5)), 0, false, poller.Ack, "ValueError", `"method" must be a string`, 1},
		{"args an array", call(set("args", []int{1})), 0, false, poller.Ack, "ValueError", "must be a JSON object", 1},
		{"args a string", call(set("args", "value=1")), 0, false, poller.Ack, "ValueError", "must be a JSON object", 1},
		{"args of the wrong types", call(set("args", map[string]any{"value": "one"})), 0, false,
			poller.Ack, "TypeError", "echo() got bad arguments", 0},
		{"args with an unknown key", call(set("args", map[string]any{"value": 1, "colour": "red"})), 0, false,
			poller.Ack, "TypeError", "unexpected keyword argument 'colour'", 0},
		{"no such method", call(set("method", "nope")), 0, false, poller.Ack, "NoSuchMethod", "nope", 0},
		{"args nested 10k levels", rawCall(nested(`{"a": `, "}", 10_000)), 0, false,
			poller.Ack, "TypeError", "exceeded max depth", 0},
		{"args nested 100k levels", rawCall(nested(`{"a": `, "}", 100_000)), 0, false,
			poller.Ack, "ValueError", "nesting too deep", 1},
		{"array nested 100k levels", rawCall(`{"value": ` + nested("[", "]", 100_000) + `}`), 0, false,
			poller.Ack, "ValueError", "nesting too deep", 1},
		{"_unique_id of 1 MiB", call(set("_unique_id", big[:1<<20])), 0, false,
			poller.Ack, "ValueError", "_unique_id is 1048576 bytes long", 1},
		{"_reply_q of 300 bytes", call(set("_reply_q", big[:300])), 0, false,
			poller.Ack, none, "_reply_q is 300 bytes long", 1},
		{"_msg_id of 300 bytes", call(set("_msg_id", big[:300])), 0, false,
			poller.Ack, none, "_msg_id is 300 bytes long", 1},
		{"_msg_id without _reply_q", call(unset("_reply_q")), 0, false, poller.Ack, none, "needs both", 1},
		{"_reply_q without _msg_id", call(unset("_msg_id")), 0, false, poller.Ack, none, "needs both", 1},
		{"_timeout -1", call(set("_timeout", -1)), 0, false, poller.Ack, "ValueError", "_timeout -1", 1},
		{"_timeout 1e300", call(set("_timeout", 1e300)), 0, false, poller.Ack, "ValueError", "_timeout 1e+300", 1},
		{"_timeout 1e400", call(set("_timeout", json.RawMessage("1e400"))), 0, false,
			poller.Ack, "ValueError", `"_timeout"`, 1},
		{`_timeout "x"`, call(set("_timeout", "x")), 0, false,
			poller.Ack, "ValueError", `"_timeout" must be a number`, 1},
		{"oversize call", call(set("args", map[string]any{"pad": big})), 0, false,
			poller.Reject, "ValueError", "exceeds max_message_size", 1},
		{"oversize cast", call(func(m map[string]any) {
			unset("_msg_id", "_reply_q")(m)
			m["args"] = map[string]any{"pad": big}
		}), 0, false, poller.Reject, none, "exceeds max_message_size", 1},
		{"oversize and not JSON", []byte(big + "x"), 0, false, poller.Reject, none, "exceeds max_message_size", 1},
		{"delivered over max_deliveries", call(nil), 6, false, poller.Reject, "ValueError", "over max_deliveries 5", 1},
		{"delivered max_deliveries times", call(nil), 5, false, poller.Ack, ok, "", 0},
		{"endpoint panic", call(set("method", "boom")), 0, false, poller.Ack, "panic", "kaboom", 1},
		{"endpoint panic, tracebacks sent", call(set("method", "boom")), 0, true, poller.Ack, "panic", "kaboom", 1},
		{"result over max_message_size", call(func(m map[string]any) {
			m["method"], m["args"] = "big", map[string]any{"n": testMaxSize + 1}
		}), 0, false, poller.Ack, "ValueError", `result of "big" is 2097155 bytes`, 1},
		{"reply over max_message_size once escaped", call(func(m map[string]any) {
			m["method"], m["args"] = "quotes", map[string]any{"n": testMaxSize / 3}
		}), 0, false, poller.Ack, "ValueError", `reply of "quotes" is`, 1},
		{"failure over max_message_size", call(func(m map[string]any) {
			m["method"], m["args"] = "fail", map[string]any{"n": testMaxSize}
		}), 0, false, poller.Ack, "ValueError", `reply of "fail" is`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub := &fakePublisher{}
			h, logs := newTestHandler(t, pub, tt.tracebacks)
			m := &poller.Message{Body: tt.body, Queue: "topic", Deliveries: tt.deliveries}
			if got := h.Handle(context.Background(), m); got != tt.outcome {
				t.Errorf("outcome: got %v, want %v", got, tt.outcome)
			}

			replies := pub.replies(t)
			switch {
			case tt.reply == none:
				if len(replies) != 0 {
					t.Errorf("replies: got %d (%+v), want none", len(replies), replies[0])
				}
			case len(replies) != 1:
				t.Errorf("replies: got %d, want 1", len(replies))
			default:
				checkReply(t, pub, replies[0], tt.reply, tt.text, tt.tracebacks)
			}

			warns := logs.atLeast(slog.LevelWarn)
			if len(warns) != tt.warn {
				t.Errorf("log lines at Warn or above: got %d %q, want %d", len(warns), warns, tt.warn)
			}
			if tt.warn > 0 && tt.text != "" && len(warns) > 0 && !strings.Contains(warns[0], tt.text) {
				t.Errorf("log line: got %.300q, want it to say %q", warns[0], tt.text)
			}
		})
	}
}

// checkReply checks one reply sent to m1 on reply_q: a result (class ok)
// or a failure of class saying text, with a Go stack only when tracebacks
// are sent, and a body within max_message_size.
func checkReply(t *testing.T, pub *fakePublisher, r *wire.Reply, class, text string, tracebacks bool) {
	t.Helper()
	sent := pub.sent[0]
	if sent.to != transport.ReplyAddress("reply_q") || !sent.msg.Mandatory {
		t.Errorf("reply sent to %+v (mandatory %v), want reply_q, mandatory", sent.to, sent.msg.Mandatory)
	}
	if len(sent.msg.Body) > testMaxSize {
		t.Errorf("reply body: %d bytes, over max_message_size %d", len(sent.msg.Body), testMaxSize)
	}
	if r.MsgID != "m1" || !r.Ending {
		t.Errorf("reply: got msg id %q, ending %v; want m1, true", r.MsgID, r.Ending)
	}
	if class == "ok" {
		if r.Failure != nil || string(r.Result) != `{"value":1}` {
			t.Errorf("reply: got result %s, failure %+v; want {\"value\":1}", r.Result, r.Failure)
		}
		return
	}
	if r.Failure == nil {
		t.Fatalf("reply: got result %.100s, want a %s failure", r.Result, class)
	}
	if r.Failure.Class != class || !strings.Contains(r.Failure.Message, text) {
		t.Errorf("failure: got %s: %.300q, want %s saying %q", r.Failure.Class, r.Failure.Message, class, text)
	}
	hasStack := strings.Contains(strings.Join(r.Failure.Traceback, "\n"), "goroutine ")
	if class == "panic" && hasStack != tracebacks {
		t.Errorf("traceback: got %d lines (a Go stack: %v), want a stack %v (SendTracebacks %v)",
			len(r.Failure.Traceback), hasStack, tracebacks, tracebacks)
	}
}

// TestHandleDuplicate: a second delivery of a handled call is acknowledged
// without running or answering it again, and without a warning.
func TestHandleDuplicate(t *testing.T) {
	pub := &fakePublisher{}
	h, logs := newTestHandler(t, pub, false)
	body := call(nil)
	for i, redelivered := range []bool{false, true} {
		m := &poller.Message{Body: body, Queue: "topic", Redelivered: redelivered}
		if got := h.Handle(context.Background(), m); got != poller.Ack {
			t.Errorf("delivery %d: got %v, want ack", i+1, got)
		}
	}
	if n := len(pub.replies(t)); n != 1 {
		t.Errorf("replies: got %d, want 1 (the duplicate is not answered again)", n)
	}
	if warns := logs.atLeast(slog.LevelWarn); len(warns) != 0 {
		t.Errorf("log lines at Warn or above: got %q, want none", warns)
	}
}

// TestHandleRefusalNotDelivered: a refusal whose answer cannot be
// delivered is still one log line, saying so.
func TestHandleRefusalNotDelivered(t *testing.T) {
	pub := &fakePublisher{fail: func(int, transport.Address) error { return transport.ErrClosed }}
	h, logs := newTestHandler(t, pub, false)
	m := &poller.Message{Body: call(unset("method")), Queue: "topic"}
	if got := h.Handle(context.Background(), m); got != poller.Ack {
		t.Errorf("outcome: got %v, want ack", got)
	}
	warns := logs.atLeast(slog.LevelWarn)
	if len(warns) != 1 || !strings.Contains(warns[0], "answered=false") || !strings.Contains(warns[0], "transport: closed") {
		t.Errorf("log lines at Warn or above: got %q, want one saying the answer was not delivered and why", warns)
	}
}

// TestHandleStopWhileCopyWaits: a copy waiting for its running original
// goes back to the queue when the server stops, without a reply.
func TestHandleStopWhileCopyWaits(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "slow", func(context.Context, struct{}) (any, error) {
		close(started)
		<-release
		return nil, nil
	})
	pub := &fakePublisher{}
	h, err := New(Options{Dispatcher: dispatch.New(ep), Publisher: pub, MaxMessageSize: testMaxSize,
		DedupSize: 16, ReplyTimeout: 5 * time.Second, Logger: slog.New(&logLines{})})
	if err != nil {
		t.Fatal(err)
	}
	body := call(func(m map[string]any) { m["method"], m["args"] = "slow", map[string]any{} })
	first := make(chan poller.Outcome, 1)
	go func() { first <- h.Handle(context.Background(), &poller.Message{Body: body}) }()
	select {
	case <-started:
	case <-first:
		t.Fatal("the original ended without running slow")
	}
	ctx, cancel := context.WithCancel(context.Background())
	copied := make(chan poller.Outcome, 1)
	go func() { copied <- h.Handle(ctx, &poller.Message{Body: body, Redelivered: true}) }()
	req, _ := wire.DecodeRequest(body)
	awaitWaiting(t, h.dedup, req.UniqueID, 1)
	cancel()
	if got := awaitOutcome(t, copied); got != poller.Requeue {
		t.Errorf("copy stopped while waiting: got %v, want requeue", got)
	}
	close(release)
	if got := awaitOutcome(t, first); got != poller.Ack {
		t.Errorf("original: got %v, want ack", got)
	}
	if n := len(pub.replies(t)); n != 1 {
		t.Errorf("replies: got %d, want 1 (the original's)", n)
	}
}

func awaitOutcome(t *testing.T, ch <-chan poller.Outcome) poller.Outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("Handle has not returned within 5 s")
		return 0
	}
}

// TestHandleMissingReplyQueueBounded: a call naming a reply queue that does
// not exist, with a TTL of an hour, holds its task for the server's
// ReplyTimeout, not for the hour its sender chose.
func TestHandleMissingReplyQueueBounded(t *testing.T) {
	pub := &fakePublisher{fail: alwaysUnroutable}
	logs := &logLines{}
	h, err := New(Options{Dispatcher: testDispatcher(), Publisher: pub, MaxMessageSize: testMaxSize,
		DedupSize: 16, ReplyTimeout: 600 * time.Millisecond, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	// Were the hour the bound, Handle would end with this context instead.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m := &poller.Message{Body: call(nil), Queue: "topic", Received: time.Now(), Deadline: time.Now().Add(time.Hour)}
	if got := h.Handle(ctx, m); got != poller.Ack {
		t.Errorf("outcome: got %v, want ack once the reply gave up (ctx: %v)", got, ctx.Err())
	}
	warns := logs.atLeast(slog.LevelWarn)
	if len(warns) != 1 || !strings.Contains(warns[0], "reply not delivered") {
		t.Errorf("log lines at Warn or above: got %q, want one saying the reply was not delivered", warns)
	}
}
