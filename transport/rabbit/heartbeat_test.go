package rabbit

import (
	"context"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/poller"
)

// TestSilentBroker: a broker that goes mute without closing anything is
// found by CheckHeartbeat within the heartbeat threshold, while every Poll
// keeps to its timeout; once the network answers again the Poller recovers
// by itself.
//
// The threshold is 4 s and the broker is asked for a 4 s heartbeat; the
// loop checks every threshold/rate/2 ≈ 0.67 s with heartbeat_rate 3 and
// finds a connection silent for threshold − interval. amqp091's own read
// deadline would fire only after 1.5 × 4 s = 6 s: without the check this
// test fails.
func TestSilentBroker(t *testing.T) {
	const (
		threshold = 4 * time.Second
		interval  = threshold / 3 / 2
		slack     = 500 * time.Millisecond // scheduling, under -race on a busy machine
	)
	r := newRabbit(t)
	q := r.queue(t, nil)
	proxy := brokertest.Proxy(t)
	var log logs
	p := testPoller(t, dial(via(t, r.url, proxy.Addr()), threshold), declareQueue(q, nil),
		consumeOptions{Prefetch: 10, RetryDelay: fastRetry, Silence: threshold - interval, Logger: log.logger()})
	ctx := context.Background()
	expectNone(t, p)
	if err := p.CheckHeartbeat(ctx); err != nil {
		t.Fatalf("CheckHeartbeat before the silence = %v, want nil", err)
	}
	proxy.Silence()
	silenced := time.Now()
	for {
		if err := p.CheckHeartbeat(ctx); err != nil {
			break
		}
		if time.Since(silenced) > threshold+slack {
			t.Fatalf("the silent connection was not detected within the %v threshold", threshold)
		}
		start := time.Now()
		if _, err := p.Poll(ctx, interval, 10); err != nil {
			t.Fatalf("Poll: %v", err)
		}
		if took := time.Since(start); took > interval+slack {
			t.Errorf("Poll(timeout=%v) took %v while the broker was silent", interval, took)
		}
	}
	t.Logf("detected %v after the silence began", time.Since(silenced).Round(time.Millisecond))

	// Connections made meanwhile went through the mute proxy too: recovery
	// needs the network back.
	proxy.Resume()
	r.mustPublish(t, q, "after")
	got := receive(t, p, 1)
	if m := got[0]; string(m.Body) != "after" || m.Generation < 2 {
		t.Errorf("after the silence got %q on generation %d, want after on a new generation", m.Body, m.Generation)
	}
	settle(t, p, poller.Ack, got...)
	if err := p.CheckHeartbeat(ctx); err != nil {
		t.Errorf("CheckHeartbeat after recovery = %v, want nil", err)
	}
	log.mustContain(t, "rabbit: connection lost", "nothing from the broker", "rabbit: reconnected")
}
