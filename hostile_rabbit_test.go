package rpcexec_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rabbitmq/amqp091-go"
	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/listener"
	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/wire"
)

// hostileMaxSize is the hostile-input servers' max_message_size: room for
// a 1 MiB _unique_id, not for a 3 MiB body.
const hostileMaxSize = 2 << 20

// hostileEndpoint serves echo, and methods that misbehave: boom panics, big
// returns n bytes.
func hostileEndpoint() *dispatch.Endpoint {
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "echo", func(_ context.Context, a echoArgs) (echoArgs, error) { return a, nil })
	dispatch.Handle(ep, "boom", func(context.Context, echoArgs) (any, error) { panic("kaboom") })
	dispatch.Handle(ep, "big", func(_ context.Context, a struct {
		N int `json:"n"`
	}) (string, error) {
		return strings.Repeat("x", a.N), nil
	})
	return ep
}

// echoCall is a call of echo addressed to replyQ, changed by edits.
func echoCall(replyQ string, edits ...func(map[string]any)) []byte {
	inner := map[string]any{"method": "echo", "args": map[string]any{"value": 1}, "_unique_id": wire.NewID()}
	return callEnvelope(inner, replyQ, edits...)
}

// echoCast is a cast of echo.
func echoCast(edits ...func(map[string]any)) []byte {
	return echoCall("", append([]func(map[string]any){without("_msg_id", "_reply_q")}, edits...)...)
}

func with(key string, v any) func(map[string]any) {
	return func(m map[string]any) { m[key] = v }
}

func without(keys ...string) func(map[string]any) {
	return func(m map[string]any) {
		for _, k := range keys {
			delete(m, k)
		}
	}
}

// rawArgsCall is a call of echo to replyQ with args written as they are,
// for JSON that encoding/json will not write (nested past its limit).
func rawArgsCall(replyQ, args string) []byte {
	return wire.Seal(fmt.Appendf(nil, `{"_msg_id": "m-%s", "_reply_q": %q, "_unique_id": %q, "method": "echo", "args": %s}`,
		wire.NewID(), replyQ, wire.NewID(), args))
}

func nestedJSON(open, close string, levels int) string {
	return strings.Repeat(open, levels) + "{}" + strings.Repeat(close, levels)
}

// hostileCase is one message published raw onto a server's topic queue.
type hostileCase struct {
	name    string
	body    []byte
	headers amqp091.Table
	outcome poller.Outcome // Ack or Reject
	class   string         // the failure class the caller gets; "" when none can be answered
	text    string         // in the failure's message and in the Warn line
	warn    int            // log lines at Warn or above
}

// hostileCases answer to replyQ; fullQ is a reply queue that refuses
// every publish.
func hostileCases(replyQ, fullQ string) []hostileCase {
	big := strings.Repeat("x", hostileMaxSize+1<<20)
	const ack, reject = poller.Ack, poller.Reject
	return []hostileCase{
		{"not JSON", []byte("hello"), nil, ack, "", "not a JSON object", 1},
		{"no envelope", []byte(`{"method": "echo", "args": {}}`), nil, ack, "", "envelope", 1},
		{"envelope version 3", []byte(`{"oslo.version": "3.0", "oslo.message": "{}"}`), nil, ack, "",
			"unsupported envelope version", 1},
		{"inner message broken after the routing fields",
			wire.Seal(fmt.Appendf(nil, `{"_msg_id": "m-broken", "_reply_q": %q, "method": "echo", "args": {`, replyQ)), nil,
			ack, "ValueError", "not a JSON object", 1},
		{"invalid UTF-8", []byte("{\"oslo.version\": \"2.0\", \"oslo.message\": \"\xff\xfe\"}"), nil, ack, "", "UTF-8", 1},
		{"method missing", echoCall(replyQ, without("method")), nil, ack, "ValueError", "no method", 1},
		{"args an array", echoCall(replyQ, with("args", []int{1})), nil, ack, "ValueError", "must be a JSON object", 1},
		{"args of the wrong types", echoCall(replyQ, with("args", map[string]any{"value": "one"})), nil,
			ack, "TypeError", "echo() got bad arguments", 0},
		{"args nested 10k levels", rawArgsCall(replyQ, nestedJSON(`{"a": `, "}", 10_000)), nil,
			ack, "TypeError", "exceeded max depth", 0},
		{"args nested 100k levels", rawArgsCall(replyQ, nestedJSON(`{"a": `, "}", 100_000)), nil,
			ack, "ValueError", "nesting too deep", 1},
		{"_unique_id of 1 MiB", echoCall(replyQ, with("_unique_id", big[:1<<20])), nil,
			ack, "ValueError", "_unique_id is 1048576 bytes long", 1},
		{"_reply_q of 300 bytes", echoCall(big[:300]), nil, ack, "", "_reply_q is 300 bytes long", 1},
		{"_msg_id without _reply_q", echoCall(replyQ, without("_reply_q")), nil, ack, "", "needs both", 1},
		{"_timeout -1", echoCall(replyQ, with("_timeout", -1)), nil, ack, "ValueError", "_timeout -1", 1},
		{"_timeout 1e300", echoCall(replyQ, with("_timeout", 1e300)), nil, ack, "ValueError", "_timeout 1e+300", 1},
		{`_timeout "x"`, echoCall(replyQ, with("_timeout", "x")), nil, ack, "ValueError", `"_timeout" must be a number`, 1},
		{"over max_message_size", echoCall(replyQ, with("args", map[string]any{"pad": big})), nil,
			reject, "ValueError", "exceeds max_message_size", 1},
		// A classic queue does not count deliveries: the header is the
		// sender's, as a quorum queue's would be the broker's.
		{"delivered over max_deliveries", echoCall(replyQ), amqp091.Table{"x-delivery-count": int32(9)},
			reject, "ValueError", "over max_deliveries 5", 1},
		{"endpoint panic", echoCall(replyQ, with("method", "boom")), nil, ack, "panic", "kaboom", 1},
		{"result over max_message_size", echoCall(replyQ, with("method", "big"), with("args", map[string]any{"n": hostileMaxSize})), nil,
			ack, "ValueError", `result of "big" is`, 1},
		{"reply queue full (reply nacked)", echoCall(fullQ), nil, ack, "", "reply not delivered", 1},
	}
}

// rawPublisher publishes onto the broker directly, with confirms.
type rawPublisher struct{ ch *amqp091.Channel }

func newRawPublisher(t *testing.T) *rawPublisher {
	t.Helper()
	ch := brokertest.Channel(t)
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	return &rawPublisher{ch: ch}
}

// publish sends each message to exchange/key and returns once the broker
// has confirmed them all.
func (p *rawPublisher) publish(t *testing.T, exchange, key string, msgs ...amqp091.Publishing) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	confirms := make([]*amqp091.DeferredConfirmation, 0, len(msgs))
	for _, m := range msgs {
		dc, err := p.ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, false, false, m)
		if err != nil {
			t.Fatalf("publishing to %s/%s: %v", exchange, key, err)
		}
		confirms = append(confirms, dc)
	}
	for i, dc := range confirms {
		if ok, err := dc.WaitContext(ctx); !ok || err != nil {
			t.Fatalf("message %d to %s/%s: confirmed %v, %v; want acked", i, exchange, key, ok, err)
		}
	}
}

func rawMessage(body []byte, headers amqp091.Table) amqp091.Publishing {
	return amqp091.Publishing{ContentType: "application/json", Body: body, Headers: headers}
}

// declareReplyQueue declares an exclusive reply queue with args, deleted
// with ch's connection when the test ends.
func declareReplyQueue(t *testing.T, ch *amqp091.Channel, args amqp091.Table) string {
	t.Helper()
	q, err := ch.QueueDeclare("reply_"+wire.NewID(), false, false, true, false, args)
	if err != nil {
		t.Fatal(err)
	}
	return q.Name
}

// awaitStats polls srv's counters and the depth of topic's queue until
// done says so, failing the test after within. There is no signal for
// what the broker does on its own (TTL drops), so it polls.
func awaitStats(t *testing.T, srv *rpcexec.Server, ch *amqp091.Channel, topic string, within time.Duration,
	done func(st listener.Stats, ready int) bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		st := srv.Stats()
		ready, _ := queueDepth(t, ch, topic)
		if done(st.Stats, ready) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not settled within %s: got %+v, %d ready", within, st, ready)
		}
		<-tick.C
	}
}

// awaitSettled waits until srv's counters show acked and rejected messages
// with none requeued or in flight, and topic's queue holds none ready.
func awaitSettled(t *testing.T, srv *rpcexec.Server, ch *amqp091.Channel, topic string, acked, rejected int64, within time.Duration) {
	t.Helper()
	awaitStats(t, srv, ch, topic, within, func(st listener.Stats, ready int) bool {
		return st.Acked == acked && st.Rejected == rejected && st.Requeued == 0 && st.InFlight == 0 && ready == 0
	})
}

// TestRabbitHostileInput publishes malformed and hostile messages straight
// onto a running server's topic queue on RabbitMQ. For each: the server
// settles it (acked or rejected, never requeued, the queue back to 0), a
// caller it can name gets a failure reply, a refusal is one log line at
// Warn, and an echo call is answered within 5 s afterwards.
func TestRabbitHostileInput(t *testing.T) {
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			logs := newLogRecorder(t)
			cfg := brokerConfig(rabbitURL(t, ""), name, logs)
			cfg.MaxMessageSize = hostileMaxSize
			topic := brokertest.Topic(t, "s1")
			srv := startBrokerServer(t, cfg, topic, "s1", hostileEndpoint())
			client := newBrokerClient(t, cfg, topic).Prepare(rpcexec.Timeout(5 * time.Second))
			pub := newRawPublisher(t)
			ch := brokertest.Channel(t)
			replyQ := declareReplyQueue(t, ch, nil)
			fullQ := declareReplyQueue(t, ch, amqp091.Table{"x-max-length": int32(1), "x-overflow": "reject-publish"})
			pub.publish(t, "", fullQ, rawMessage([]byte("filler"), nil))

			var acked, rejected int64
			for i, tc := range hostileCases(replyQ, fullQ) {
				t.Run(tc.name, func(t *testing.T) {
					mark := logs.mark()
					start := time.Now()
					pub.publish(t, "openstack", topic, rawMessage(tc.body, tc.headers))
					if tc.outcome == poller.Reject {
						rejected++
					} else {
						acked++
					}
					awaitSettled(t, srv, ch, topic, acked, rejected, 10*time.Second)
					settled := time.Since(start)

					// The server acknowledges a call after its reply is
					// confirmed, so a reply is in the queue by now.
					d, got, err := ch.Get(replyQ, true)
					switch {
					case err != nil:
						t.Fatal(err)
					case tc.class == "" && got:
						t.Errorf("got a reply %.200s, want none", d.Body)
					case tc.class != "" && !got:
						t.Errorf("got no reply, want a %s failure", tc.class)
					case got:
						checkFailure(t, d.Body, tc.class, tc.text)
					}

					warns := logs.since(mark, slog.LevelWarn)
					if len(warns) != tc.warn {
						t.Errorf("log lines at Warn or above: got %d %.1000q, want %d", len(warns), warns, tc.warn)
					} else if tc.warn > 0 && !strings.Contains(warns[0], tc.text) {
						t.Errorf("log line: got %.500q, want it to say %q", warns[0], tc.text)
					}

					start = time.Now()
					var echoed echoArgs
					if err := client.Call(context.Background(), "echo", echoArgs{Value: i}, &echoed); err != nil || echoed.Value != i {
						t.Fatalf("echo afterwards: got %+v, %v; want value %d", echoed, err, i)
					}
					acked++
					t.Logf("settled in %s; echo answered in %s", settled.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
				})
			}
			if ready, _ := queueDepth(t, ch, fullQ); ready != 1 {
				t.Errorf("full reply queue: got %d messages, want the 1 filler (every reply refused)", ready)
			}
		})
	}
}

// checkFailure checks that body is a failure reply of class saying text,
// without a Go stack (SendTracebacks is off).
func checkFailure(t *testing.T, body []byte, class, text string) {
	t.Helper()
	r, err := wire.DecodeReply(body)
	if err != nil {
		t.Fatalf("reply does not decode: %v", err)
	}
	switch {
	case r.Failure == nil:
		t.Errorf("reply: got result %.100s, want a %s failure", r.Result, class)
	case r.Failure.Class != class || !strings.Contains(r.Failure.Message, text):
		t.Errorf("failure: got %s: %.300q, want %s saying %q", r.Failure.Class, r.Failure.Message, class, text)
	case len(r.Failure.Traceback) != 0:
		t.Errorf("failure: got a traceback of %d lines, want none without send_tracebacks", len(r.Failure.Traceback))
	}
}

// TestRabbitFloodMissingReplyQueue: 200 calls naming a reply queue that
// does not exist do not keep the server from answering a real client's
// call within 5 s. The first replies to the queue wait for it, until the
// caller's deadline or rpc_response_timeout, whichever is first; then the
// queue is known gone and the rest are dropped at once. A TTL of an hour
// (the sender's choice) must not hold the server for that hour.
func TestRabbitFloodMissingReplyQueue(t *testing.T) {
	const flood = 200
	tests := []struct {
		name       string
		ttl        time.Duration // of the flood's messages
		rpcTimeout time.Duration // the server's rpc_response_timeout
	}{
		{"expiring in 2 s", 2 * time.Second, 60 * time.Second},
		{"expiring in an hour", time.Hour, 2 * time.Second},
	}
	for _, name := range executor.Names() {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				logs := newLogRecorder(t)
				cfg := brokerConfig(rabbitURL(t, ""), name, logs)
				topic := brokertest.Topic(t, "s1")
				srvCfg := cfg
				srvCfg.RPCResponseTimeout = rpcexec.Duration(tt.rpcTimeout)
				srv := startBrokerServer(t, srvCfg, topic, "s1", hostileEndpoint())
				client := newBrokerClient(t, cfg, topic).Prepare(rpcexec.Timeout(10 * time.Second))
				pub := newRawPublisher(t)
				ch := brokertest.Channel(t)

				missing := "reply_" + wire.NewID()
				msgs := make([]amqp091.Publishing, flood)
				for i := range msgs {
					msgs[i] = rawMessage(echoCall(missing), nil)
					msgs[i].Expiration = fmt.Sprint(tt.ttl.Milliseconds())
				}
				pub.publish(t, "openstack", topic, msgs...)

				start := time.Now()
				var got echoArgs
				err := client.Call(context.Background(), "echo", echoArgs{Value: 7}, &got)
				latency := time.Since(start)
				if err != nil || got.Value != 7 {
					t.Fatalf("echo during the flood: got %+v, %v after %s; want value 7", got, err, latency)
				}
				if latency > 5*time.Second {
					t.Errorf("echo during the flood answered after %s, want within 5 s", latency)
				}

				// Flood messages still queued when their TTL ran out were
				// dropped by the broker; the rest were acknowledged.
				awaitStats(t, srv, ch, topic, 30*time.Second, func(st listener.Stats, ready int) bool {
					return st.InFlight == 0 && ready == 0 && st.Received == st.Acked
				})
				st := srv.Stats()
				failed := logs.count("reply not delivered")
				waited := logs.count("until the caller's deadline or for")
				dropped := logs.count("was missing until an earlier reply's deadline") + logs.count("until an earlier reply's deadline:")
				t.Logf("echo answered in %s; server received %d of %d (the broker drops what waits past its TTL), peak in flight %d; "+
					"%d replies not delivered: %d waited for the queue, %d dropped once it was known gone",
					latency.Round(time.Millisecond), st.Received, flood+1, st.PeakInFlight, failed, waited, dropped)
				if want := int(st.Received) - 1; failed != want || waited < 1 {
					t.Errorf("replies not delivered: got %d (%d waited), want %d (every flood message received) with ≥ 1 waiting",
						failed, waited, want)
				}
				// Only replies already in flight when the queue was first
				// found gone can have waited for it; the rest were dropped.
				if waited > int(st.PeakInFlight) {
					t.Errorf("replies that waited for the missing queue: got %d, want ≤ %d (the peak in flight): "+
						"the queue was not remembered as gone", waited, st.PeakInFlight)
				}
			})
		}
	}
}

// TestRabbitLongUniqueIDsHeap: 160 casts with a 1 MiB _unique_id each go
// through a server without the server keeping them: its heap in use (this
// process's, after a GC) grows by under 16 MiB, against the 160 MiB the
// ids add up to (measured with 600: 0.5 to 1.5 MiB). validate refuses ids over 255
// bytes before Dedup sees them, and Dedup keeps a 128-bit hash of those it
// does see (request.TestDedupMemoryPerID holds it to that): the server
// would have to keep the ids on some path for this bound to break.
//
// Decoding 1 MiB bodies takes about 100 ms each under the race detector
// (3 ms without), so this test takes about 15 s with -race.
func TestRabbitLongUniqueIDsHeap(t *testing.T) {
	const casts, idBytes = 160, 1 << 20 // a multiple of the batch
	const bound = 16 << 20
	logs := newLogRecorder(t)
	cfg := brokerConfig(rabbitURL(t, ""), executor.Pool, logs)
	topic := brokertest.Topic(t, "s1")
	srv := startBrokerServer(t, cfg, topic, "s1", hostileEndpoint())
	pub := newRawPublisher(t)
	ch := brokertest.Channel(t)

	heapInuse := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	// One body, the id's first bytes numbered per cast (plain ASCII, so
	// they stand as they are in the envelope): encoding 160 MiB of JSON
	// under the race detector would take minutes.
	const marker = "00000000"
	template := echoCast(with("_unique_id", marker+strings.Repeat("u", idBytes-len(marker))))
	at := bytes.Index(template, []byte(marker))
	before := heapInuse()
	const batch = 20
	for i := 0; i < casts; i += batch {
		msgs := make([]amqp091.Publishing, batch)
		for j := range msgs {
			body := bytes.Clone(template)
			copy(body[at:], fmt.Sprintf("%08d", i+j))
			msgs[j] = rawMessage(body, nil)
		}
		pub.publish(t, "openstack", topic, msgs...)
	}
	awaitSettled(t, srv, ch, topic, casts, 0, 5*time.Minute)
	after := heapInuse()

	growth := int64(after) - int64(before)
	t.Logf("%d casts with a %d KiB _unique_id: heap in use %d → %d MiB, growth %.1f MiB",
		casts, idBytes>>10, before>>20, after>>20, float64(growth)/(1<<20))
	if growth > bound {
		t.Errorf("heap in use grew %.1f MiB, want under %d MiB: the server keeps what senders put in ids",
			float64(growth)/(1<<20), bound>>20)
	}
	if n := logs.count("_unique_id is 1048576 bytes long"); n != casts {
		t.Errorf("refusals logged: got %d, want %d", n, casts)
	}
}
