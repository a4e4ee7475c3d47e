package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/poller"
)

// benchBody is the size of a small oslo.messaging cast.
var benchBody = make([]byte, 256)

// ackAll settles a batch, reusing buf.
func ackAll(b *testing.B, p *Poller, msgs []*poller.Message, buf []poller.Settlement) []poller.Settlement {
	buf = buf[:0]
	for _, m := range msgs {
		buf = append(buf, poller.Settlement{Msg: m, Outcome: poller.Ack})
	}
	if err := p.Settle(context.Background(), buf); err != nil {
		b.Fatal(err)
	}
	return buf
}

// BenchmarkPublishPollAck measures the bus's own cost per message: one
// goroutine publishes a batch, polls it and acks it.
func BenchmarkPublishPollAck(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			bus := NewBus()
			if err := bus.DeclareQueue("q", QueueOptions{}); err != nil {
				b.Fatal(err)
			}
			p, err := bus.Consume(batch, "q")
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close(context.Background())
			ctx := context.Background()
			var buf []poller.Settlement
			b.ReportAllocs()
			start := time.Now()
			for done := 0; done < b.N; {
				n := min(batch, b.N-done)
				for range n {
					if err := bus.Publish(ctx, "", "q", Publishing{Body: benchBody}); err != nil {
						b.Fatal(err)
					}
				}
				msgs, err := p.Poll(ctx, time.Second, n)
				if err != nil || len(msgs) != n {
					b.Fatalf("Poll = %d messages, %v; want %d", len(msgs), err, n)
				}
				buf = ackAll(b, p, msgs, buf)
				done += n
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// BenchmarkPipeline measures throughput with publishers and the consuming
// loop on their own goroutines, through a topic exchange as oslo.messaging
// routes a cast, with the prefetch of a busy server.
func BenchmarkPipeline(b *testing.B) {
	for _, publishers := range []int{1, 4} {
		b.Run(fmt.Sprintf("publishers=%d", publishers), func(b *testing.B) {
			bus := NewBus()
			for _, err := range []error{
				bus.DeclareExchange("openstack", Topic),
				bus.DeclareQueue("topic", QueueOptions{}),
				bus.Bind("topic", "openstack", "topic"),
			} {
				if err != nil {
					b.Fatal(err)
				}
			}
			p, err := bus.Consume(1024, "topic")
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close(context.Background())
			ctx := context.Background()
			b.ReportAllocs()
			start := time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, publishers)
			for w := range publishers {
				wg.Go(func() {
					for i := w; i < b.N; i += publishers {
						for {
							err := bus.Publish(ctx, "openstack", "topic", Publishing{Body: benchBody})
							if err == nil {
								break
							}
							if !errors.Is(err, ErrQueueFull) {
								errs <- err
								return
							}
						}
					}
				})
			}
			var buf []poller.Settlement
			for got := 0; got < b.N; {
				msgs, err := p.Poll(ctx, time.Second, 64)
				if err != nil || len(msgs) == 0 {
					b.Fatalf("Poll = %d messages, %v after %d of %d", len(msgs), err, got, b.N)
				}
				buf = ackAll(b, p, msgs, buf)
				got += len(msgs)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}
