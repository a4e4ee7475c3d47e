package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/wire"
)

// BenchmarkCall measures calls end to end, client and server together,
// for the baseline (on RabbitMQ the raw amqp091-go request/reply) and each
// executor, with one caller and with sixteen.
func BenchmarkCall(b *testing.B) {
	transports(b, func(b *testing.B, url string) {
		for _, callers := range []int{1, 16} {
			for _, name := range strategies() {
				b.Run(fmt.Sprintf("callers=%d/%s", callers, name), func(b *testing.B) {
					measure(b, Workload{URL: url, Mode: Call, Publishers: callers, Executor: name}, 500)
				})
			}
		}
	})
}

// BenchmarkCallServer measures the server's side of calls alone: the queue
// is filled with calls first (their replies drained by another consumer),
// and the clock runs while the servers decode, dispatch, reply, wait for
// the replies' confirms and acknowledge.
func BenchmarkCallServer(b *testing.B) {
	transports(b, func(b *testing.B, url string) {
		for _, name := range strategies() {
			b.Run(name, func(b *testing.B) {
				measure(b, Workload{URL: url, Mode: Call, Prefill: true, Executor: name}, 2000)
			})
		}
	})
}

// BenchmarkCallClient measures rpcexec's client alone, as far as a
// benchmark can: the calls go to a minimal responder (one goroutine that
// reads each request's routing fields, publishes a ready-made reply through
// the same transport and acknowledges), so msgs/s and allocations are the
// client's plus that responder's small, fixed share.
func BenchmarkCallClient(b *testing.B) {
	transports(b, func(b *testing.B, url string) {
		for _, callers := range []int{1, 16} {
			b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
				benchClient(b, url, callers)
			})
		}
	})
}

func benchClient(b *testing.B, url string, callers int) {
	w := Workload{URL: url, Mode: Call, Publishers: callers, Executor: executor.Pool}.defaults()
	e, err := openEnv(b.Context(), w)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := e.close(); err != nil {
			b.Error(err)
		}
	}()
	e.remember(e.topicQueues()[:2]...)
	p, err := e.tr.Listen(b.Context(), transport.Subscription{Exchange: e.exchange, Topic: e.topic, Server: serverName(0)}, e.cfg.QoS())
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(b.Context())
	var wg sync.WaitGroup
	var respondErr error
	wg.Go(func() { respondErr = respond(ctx, e.tr, p) })
	defer func() {
		stop()
		wg.Wait()
		if err := p.Close(context.Background()); err != nil {
			b.Error(err)
		}
		if respondErr != nil {
			b.Error(respondErr)
		}
	}()
	c, err := rpcexec.NewClient(e.cfg, rpcexec.Target{Topic: e.topic}, rpcexec.WithClientTransport(e.tr))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Call(b.Context(), methodPing, nil, nil); err != nil { // the reply queue, before the clock
		b.Fatal(err)
	}
	n := max(b.N, 500)
	var next atomic.Int64
	var failed atomic.Pointer[error]
	b.ReportAllocs()
	runtime.GC()
	before := readAllocs()
	start := time.Now()
	var callersWG sync.WaitGroup
	for range callers {
		callersWG.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := c.Call(ctx, methodRun, runArgs{T: 1, S: 2}, nil); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	callersWG.Wait()
	elapsed := time.Since(start)
	after := readAllocs()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(n), "ns/op")
	b.ReportMetric(float64(after.mallocs-before.mallocs)/float64(n), "allocs/op")
	b.ReportMetric(float64(after.bytes-before.bytes)/float64(n), "B/op")
}

// respond answers every request on p with a null result, until ctx ends:
// the replies of a batch go out together, and the batch is acknowledged
// once they are confirmed.
func respond(ctx context.Context, tr transport.Transport, p poller.Poller) error {
	var acks []poller.Settlement
	var sent []*sent
	for ctx.Err() == nil {
		msgs, err := p.Poll(ctx, 100*time.Millisecond, 256)
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		acks, sent = acks[:0], sent[:0]
		for _, m := range msgs {
			req, err := wire.DecodeRouting(m.Body)
			if err != nil {
				return err
			}
			body, err := wire.EncodeReply(&wire.Reply{MsgID: req.MsgID, Ending: true})
			if err != nil {
				return err
			}
			s, err := publishAsync(ctx, tr, transport.ReplyAddress(req.ReplyQ), transport.Message{Body: body, Mandatory: true})
			if err != nil {
				return err
			}
			sent = append(sent, s)
			acks = append(acks, poller.Settlement{Msg: m, Outcome: poller.Ack})
		}
		for _, s := range sent {
			if err := s.Wait(ctx); err != nil {
				return err
			}
		}
		if len(acks) > 0 {
			if err := p.Settle(context.Background(), acks); err != nil {
				return err
			}
		}
	}
	return nil
}
