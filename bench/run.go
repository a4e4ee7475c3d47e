package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/poller/memory"
	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/wire"
)

// Workload is one measured run.
type Workload struct {
	Executor string // executor.Names()
	Messages int
	PoolSize int // executor_thread_pool_size; 0 keeps the default
	Prefetch int // rabbit_qos_prefetch_count; 0 keeps the default
}

// Result is what a run measured.
type Result struct {
	Executor   string
	Messages   int
	Elapsed    time.Duration
	MsgsPerSec float64
}

const topic = "bench"

// Run measures the whole server path on a private embedded bus: the queue
// is filled first, then the clock runs from the server's start until the
// last message is handled, so publishing is not in the figure.
func Run(ctx context.Context, w Workload) (Result, error) {
	cfg := rpcexec.DefaultConfig()
	cfg.Executor = w.Executor
	if w.PoolSize > 0 {
		cfg.ExecutorThreadPoolSize = w.PoolSize
	}
	cfg.PrefetchCount = w.Prefetch
	tr := transport.NewMemory(memory.NewBus(memory.WithQueueLimit(w.Messages + 1)))
	defer tr.Close()

	var handled atomic.Int64
	all := make(chan struct{})
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "noop", func(context.Context, struct{}) (any, error) {
		if handled.Add(1) == int64(w.Messages) {
			close(all)
		}
		return nil, nil
	})
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: topic, Server: "s1"}, dispatch.New(ep),
		rpcexec.WithServerTransport(tr))
	if err != nil {
		return Result{}, err
	}
	if err := fill(ctx, tr, w.Messages); err != nil {
		return Result{}, err
	}
	start := time.Now()
	if err := srv.Start(ctx); err != nil {
		return Result{}, err
	}
	defer srv.Close()
	select {
	case <-all:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	elapsed := time.Since(start)
	if err := srv.Stop(ctx); err != nil {
		return Result{}, err
	}
	return Result{Executor: w.Executor, Messages: w.Messages, Elapsed: elapsed,
		MsgsPerSec: float64(w.Messages) / elapsed.Seconds()}, nil
}

// fill declares the topic's queue and puts n casts on it.
func fill(ctx context.Context, tr *transport.Memory, n int) error {
	p, err := tr.Listen(ctx, transport.Target{Exchange: transport.DefaultExchange, Topic: topic, Server: "filler"}, 1)
	if err != nil {
		return err
	}
	if err := p.Close(); err != nil {
		return err
	}
	to := transport.TopicAddress(transport.DefaultExchange, topic, "")
	for i := range n {
		body, err := wire.EncodeRequest(&wire.Request{Method: "noop"})
		if err != nil {
			return err
		}
		if err := tr.Publish(ctx, to, transport.Message{Body: body, Mandatory: true}); err != nil {
			return fmt.Errorf("bench: filling message %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}
