package rabbit

import (
	"context"
	"fmt"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec/poller"
)

// Both sides of BenchmarkConsume use the same prefetch, take up to batch
// deliveries at a time and ack each batch, so the difference is the
// Poller's own cost.
const (
	benchPrefetch = 256
	benchBatch    = 64
)

// BenchmarkConsume compares the Poller with a bare amqp091 consumer on the
// same broker: the queue is filled first, then consumed and acked.
func BenchmarkConsume(b *testing.B) {
	for _, bc := range []struct {
		name    string
		consume func(b *testing.B, r *rabbit, queue string)
	}{
		{"bare", consumeBare},
		{"poller", consumePoller},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := newRabbit(b)
			q := r.queue(b, nil)
			fill(b, r, q, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			bc.consume(b, r, q)
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// fill publishes n messages of 256 bytes and waits for the broker to
// confirm them all.
func fill(b *testing.B, r *rabbit, queue string, n int) {
	ch, err := r.conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	defer ch.Close()
	if err := ch.Confirm(false); err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 256)
	var last *amqp091.DeferredConfirmation
	for range n {
		if last, err = ch.PublishWithDeferredConfirm("", queue, false, false, amqp091.Publishing{Body: body}); err != nil {
			b.Fatal(err)
		}
	}
	if !last.Wait() {
		b.Fatal("the broker did not confirm the messages")
	}
}

func consumeBare(b *testing.B, r *rabbit, queue string) {
	conn, err := amqp091.Dial(r.url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	if err := ch.Qos(benchPrefetch, 0, false); err != nil {
		b.Fatal(err)
	}
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	for got := 0; got < b.N; {
		d := <-deliveries
		n := 1
	batch:
		for n < benchBatch {
			select {
			case d = <-deliveries:
				n++
			default:
				break batch
			}
		}
		if err := ch.Ack(d.DeliveryTag, true); err != nil {
			b.Fatal(err)
		}
		got += n
	}
}

func consumePoller(b *testing.B, r *rabbit, queue string) {
	p, err := startPoller(context.Background(), dial(r.url, 0), declareQueue(queue, nil), consumeOptions{Prefetch: benchPrefetch})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(context.Background())
	ctx := context.Background()
	var acks []poller.Settlement
	for got := 0; got < b.N; {
		msgs, err := p.Poll(ctx, time.Second, benchBatch)
		if err != nil || len(msgs) == 0 {
			b.Fatalf("Poll = %d messages, %v after %d of %d", len(msgs), err, got, b.N)
		}
		acks = acks[:0]
		for _, m := range msgs {
			acks = append(acks, poller.Settlement{Msg: m, Outcome: poller.Ack})
		}
		if err := p.Settle(ctx, acks); err != nil {
			b.Fatal(fmt.Errorf("Settle: %w", err))
		}
		got += len(msgs)
	}
}
