package rpcexec_test

import (
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/brokertest"
)

// inFlight is how many casts the fault tests queue before a server starts.
const inFlight = 5000

// Log messages the fault tests wait for (poller/amqp/reconnect.go) and
// count (handler.go).
const (
	logLost      = "rabbit: connection lost"
	logRecovered = "rabbit: reconnected"
	logDuplicate = "rpcexec: dropped a duplicate delivery"
)

// faultConfig is a server configuration that reaches the broker through
// the proxy at addr, detects a silent connection within 3 s (checking
// every 0.75 s) and reconnects within about a second.
func faultConfig(t *testing.T, addr, executorName string, logs *logRecorder) rpcexec.Config {
	cfg := brokerConfig(rabbitURL(t, addr), executorName, logs)
	cfg.HeartbeatTimeoutThreshold = rpcexec.Duration(3 * time.Second)
	cfg.HeartbeatRate = 2
	cfg.RabbitRetryInterval = rpcexec.Duration(150 * time.Millisecond)
	cfg.RabbitRetryBackoff = rpcexec.Duration(100 * time.Millisecond)
	cfg.RabbitIntervalMax = rpcexec.Duration(time.Second)
	return cfg
}

// declareTopicQueue declares topic's queue as an oslo server does (on the
// control exchange openstack, not durable, not auto-delete), so that casts
// can be queued before any server runs.
func declareTopicQueue(t *testing.T, topic string) {
	t.Helper()
	ch := brokertest.Channel(t)
	if err := ch.ExchangeDeclare("openstack", "topic", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(topic, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(topic, topic, "openstack", false, nil); err != nil {
		t.Fatal(err)
	}
}

// TestRabbitCutMidLoad: with 5,000 casts queued, the proxy cuts the
// server's connection when half are handled. The server reconnects by
// itself; the message being handled at the cut is redelivered (its ack
// never left), and the dedup cache drops that redelivery and any other, so
// every cast is handled exactly once.
func TestRabbitCutMidLoad(t *testing.T) {
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			logs := newLogRecorder(t)
			proxy := brokertest.Proxy(t)
			topic := brokertest.Topic(t, "s1")
			declareTopicQueue(t, topic)
			client := newBrokerClient(t, brokerConfig(rabbitURL(t, ""), name, logs), topic)
			castIDs(t, client, "record", inFlight)

			l := newLoad(inFlight, inFlight/2, proxy.Cut)
			lost, recovered := logs.signal(logLost), logs.signal(logRecovered)
			srv := startBrokerServer(t, faultConfig(t, proxy.Addr(), name, logs), topic, "s1", l.endpoint())
			after := l.callAcross(t, client, name)
			await(t, l.struck, 60*time.Second, "half the casts handled")
			await(t, lost, 15*time.Second, "server noticed the cut")
			await(t, recovered, 30*time.Second, "server reconnected")
			after()
			awaitAll(t, l.seen, 60*time.Second)
			l.settle(t, client, srv)

			l.seen.check(t)
			if n := logs.count(logDuplicate); n < 1 {
				t.Errorf("duplicate deliveries dropped: got %d, want ≥ 1 (id %d was handled as the connection was cut, so its ack never reached the broker)",
					n, l.faultID.Load())
			}
			if ready, _ := awaitDepth(t, topic, 0, 10*time.Second); ready != 0 {
				t.Errorf("topic queue after the run: got %d messages, want 0", ready)
			}
		})
	}
}

// TestRabbitCutMidLoadWithoutDedup is TestRabbitCutMidLoad with the dedup
// cache off: still every cast handled (at-least-once), but the message
// being handled at the cut is handled twice. This is what dedup buys.
func TestRabbitCutMidLoadWithoutDedup(t *testing.T) {
	logs := newLogRecorder(t)
	proxy := brokertest.Proxy(t)
	topic := brokertest.Topic(t, "s1")
	declareTopicQueue(t, topic)
	client := newBrokerClient(t, brokerConfig(rabbitURL(t, ""), executor.Pool, logs), topic)
	castIDs(t, client, "record", inFlight)

	l := newLoad(inFlight, inFlight/2, proxy.Cut)
	recovered := logs.signal(logRecovered)
	cfg := faultConfig(t, proxy.Addr(), executor.Pool, logs)
	cfg.DedupCacheSize = 0
	srv := startBrokerServer(t, cfg, topic, "s1", l.endpoint())
	l.arm()
	await(t, l.struck, 60*time.Second, "half the casts handled")
	await(t, recovered, 30*time.Second, "server reconnected")
	awaitAll(t, l.seen, 60*time.Second)
	l.settle(t, client, srv)

	dups := l.seen.atLeastOnce(t)
	id := int(l.faultID.Load())
	if n := l.seen.times(id); n < 2 {
		t.Errorf("id %d, handled as the connection was cut: got %d handlings, want ≥ 2 without dedup", id, n)
	}
	if n := logs.count(logDuplicate); n != 0 {
		t.Errorf("duplicate deliveries dropped with dedup off: got %d, want 0", n)
	}
	t.Logf("without dedup: %d of %d casts handled more than once (%d extra handlings)", countOver(l.seen, 1), inFlight, dups)
}

// TestRabbitSilenceMidLoad: with 5,000 casts queued, the proxy goes silent
// (no RST, no bytes) when half are handled. The server finds the
// connection dead by its heartbeat within the 3 s threshold, reconnects
// once the proxy speaks again, and every cast is handled exactly once.
func TestRabbitSilenceMidLoad(t *testing.T) {
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // mostly waiting out the heartbeat threshold
			logs := newLogRecorder(t)
			proxy := brokertest.Proxy(t)
			topic := brokertest.Topic(t, "s1")
			declareTopicQueue(t, topic)
			client := newBrokerClient(t, brokerConfig(rabbitURL(t, ""), name, logs), topic)
			castIDs(t, client, "record", inFlight)

			var silenced time.Time
			l := newLoad(inFlight, inFlight/2, func() {
				silenced = time.Now()
				proxy.Silence()
			})
			lost, recovered := logs.signal(logLost), logs.signal(logRecovered)
			srv := startBrokerServer(t, faultConfig(t, proxy.Addr(), name, logs), topic, "s1", l.endpoint())
			after := l.callAcross(t, client, name)
			await(t, l.struck, 60*time.Second, "half the casts handled")
			await(t, lost, 20*time.Second, "server noticed the silence")
			took := time.Since(silenced)
			proxy.Resume()
			// Threshold 3 s; the bound allows for a loaded machine.
			if took > 10*time.Second {
				t.Errorf("silence noticed after %s, want within the 3 s heartbeat threshold (10 s allowed)", took)
			}
			await(t, recovered, 30*time.Second, "server reconnected")
			after()
			awaitAll(t, l.seen, 60*time.Second)
			l.settle(t, client, srv)

			l.seen.check(t)
			if ready, _ := awaitDepth(t, topic, 0, 10*time.Second); ready != 0 {
				t.Errorf("topic queue after the run: got %d messages, want 0", ready)
			}
			t.Logf("silence noticed after %s; %d duplicate deliveries dropped", took.Round(time.Millisecond), logs.count(logDuplicate))
		})
	}
}

// TestRabbitGracefulStopMidLoad: with 5,000 casts queued and ack policy
// "after", the server is stopped gracefully when half are handled. What it
// handled was acknowledged before Stop returned, and everything else is
// back in the queue: handled + queued = 5,000. A second server then
// handles exactly the rest: each cast once across both.
func TestRabbitGracefulStopMidLoad(t *testing.T) {
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			logs := newLogRecorder(t)
			topic := brokertest.Topic(t, "first", "second")
			declareTopicQueue(t, topic)
			cfg := brokerConfig(rabbitURL(t, ""), name, logs)
			if cfg.AckPolicy != "after" {
				t.Fatalf("default ack policy: got %q, want after", cfg.AckPolicy)
			}
			client := newBrokerClient(t, cfg, topic)
			castIDs(t, client, "record", inFlight)

			halfway := make(chan struct{})
			l := newLoad(inFlight, inFlight/2, func() { close(halfway) })
			l.arm()
			first := startBrokerServer(t, cfg, topic, "first", l.endpoint())
			await(t, halfway, 60*time.Second, "half the casts handled")
			stopServer(t, first)
			handled := int(l.handled.Load())

			st := first.Stats()
			if st.Acked != int64(handled) {
				t.Errorf("first server acknowledged %d, want %d: every handled cast, before Stop returned", st.Acked, handled)
			}
			if st.Received != st.Acked+st.Requeued || st.Rejected != 0 {
				t.Errorf("first server: got %+v, want received = acked + requeued and none rejected", st)
			}
			want := inFlight - handled
			ready, consumers := awaitDepth(t, topic, want, 10*time.Second)
			if ready != want || consumers != 0 {
				t.Fatalf("after stopping with %d handled: got %d queued, %d consumers; want %d queued (handled + queued = %d), 0 consumers",
					handled, ready, consumers, want, inFlight)
			}

			second := startBrokerServer(t, cfg, topic, "second", l.endpoint())
			awaitAll(t, l.seen, 60*time.Second)
			l.settle(t, client, second)
			l.seen.check(t)
			if got := second.Stats().Received; got != int64(want+1) {
				t.Errorf("second server received %d, want %d (the rest and the marker)", got, want+1)
			}
		})
	}
}
