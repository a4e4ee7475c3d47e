package rabbit

import (
	"fmt"
	"strings"
	"testing"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec/poller"
)

// TestDeliveries: x-delivery-count counts earlier deliveries in any AMQP
// integer type; without it a first delivery is 1 and a redelivery unknown.
func TestDeliveries(t *testing.T) {
	tests := []struct {
		name        string
		header      any
		redelivered bool
		want        int
	}{
		{"first delivery", nil, false, 1},
		{"redelivery of a classic queue", nil, true, 0},
		{"int64", int64(2), true, 3},
		{"int32", int32(1), true, 2},
		{"int16", int16(1), true, 2},
		{"int8", int8(1), true, 2},
		{"uint8", uint8(4), true, 5},
		{"uint16", uint16(1), true, 2},
		{"uint32", uint32(1), true, 2},
		{"negative", int64(-1), true, 0},
		{"not a number", "2", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := arrival{redelivered: tt.redelivered}
			if tt.header != nil {
				a.headers = amqp091.Table{"x-delivery-count": tt.header}
			}
			if got := deliveries(a); got != tt.want {
				t.Errorf("deliveries = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestQuorumDeliveries: a quorum queue's x-delivery-count becomes
// Deliveries, counting this delivery.
func TestQuorumDeliveries(t *testing.T) {
	r := newRabbit(t)
	args := amqp091.Table{"x-queue-type": "quorum"}
	q := r.queue(t, args)
	p := testPoller(t, dial(r.url, 0), declareQueue(q, args), consumeOptions{Prefetch: 1})
	r.mustPublish(t, q, "m")
	for want := 1; want <= 3; want++ {
		m := receive(t, p, 1)[0]
		if m.Deliveries != want || m.Redelivered != (want > 1) {
			t.Errorf("delivery %d: Deliveries %d, Redelivered %v; want %d, %v", want, m.Deliveries, m.Redelivered, want, want > 1)
		}
		outcome := poller.Requeue
		if want == 3 {
			outcome = poller.Ack
		}
		settle(t, p, outcome, m)
	}
	expectNone(t, p)
}

// TestFairness: a busy queue cannot keep the others waiting. The prefetch
// bounds each consumer, so the busy queue gets at most Prefetch deliveries
// in per round trip to the broker, and the quiet queues' messages arrive
// long before it is drained (here: before half of it is; in practice
// within a round or two).
func TestFairness(t *testing.T) {
	const prefetch, busyCount = 4, 100
	r := newRabbit(t)
	busy, calm1, calm2 := r.queue(t, nil), r.queue(t, nil), r.queue(t, nil)
	for i := range busyCount {
		r.mustPublish(t, busy, fmt.Sprint("busy", i))
	}
	r.mustPublish(t, calm1, "calm1.0", "calm1.1", "calm1.2")
	r.mustPublish(t, calm2, "calm2.0", "calm2.1", "calm2.2")
	all := func(*amqp091.Channel) ([]string, error) { return []string{busy, calm1, calm2}, nil }
	p := testPoller(t, dial(r.url, 0), all, consumeOptions{Prefetch: prefetch})

	var order []string
	for len(order) < busyCount+6 {
		batch := receive(t, p, 1)
		more, err := p.Poll(t.Context(), 0, prefetch-1)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, more...)
		order = append(order, bodies(batch)...)
		settle(t, p, poller.Ack, batch...)
	}
	for i, b := range order {
		if strings.HasPrefix(b, "calm") && i >= busyCount/2 {
			t.Errorf("%s arrived in position %d, want < %d: %q", b, i, busyCount/2, order)
		}
	}
	expectNone(t, p)
}
