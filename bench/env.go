package bench

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/transport/memory"
	"github.com/rpcexec/rpcexec/wire"
)

// env is where one run happens: its transport and a topic of its own, so
// runs never see each other's messages.
type env struct {
	w        Workload
	cfg      rpcexec.Config
	tr       transport.Transport
	bus      *memory.Bus // the private embedded bus; nil on RabbitMQ
	uri      string      // the broker that answered the probe; "" on the embedded bus
	topic    string
	exchange string
	queues   []string // RabbitMQ queues to delete at the end
}

// Config returns the rpcexec configuration of w's servers, validated.
func (w Workload) Config() (rpcexec.Config, error) {
	w = w.defaults()
	cfg := rpcexec.DefaultConfig()
	if w.Base != nil {
		cfg = *w.Base
	}
	cfg.TransportURL = w.URL
	if w.Exchange != "" {
		cfg.ControlExchange = w.Exchange
	}
	cfg.Executor = w.Executor
	if w.Executor == Baseline {
		cfg.Executor = executor.Pool // only its prefetch is used
	}
	if w.PoolSize > 0 {
		cfg.ExecutorThreadPoolSize = w.PoolSize
	}
	cfg.PrefetchCount = w.Prefetch
	cfg.AckPolicy = w.Ack
	cfg.RabbitMaxRetries = 3 // a measurement fails rather than waits for a broker
	cfg.Logger = w.Logger
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return cfg, cfg.Validate()
}

func openEnv(ctx context.Context, w Workload) (*env, error) {
	cfg, err := w.Config()
	if err != nil {
		return nil, err
	}
	e := &env{w: w, cfg: cfg, topic: "bench_" + wire.NewID()[:12], exchange: cfg.ControlExchange}
	if !IsRabbit(w.URL) {
		limit := max(memory.DefaultQueueLimit, w.Window*w.Servers+1)
		if w.Prefill {
			limit = max(limit, w.Messages+1)
		}
		e.bus = memory.NewBus(memory.WithQueueLimit(limit))
		e.tr = memory.NewTransport(e.bus)
		return e, nil
	}
	if e.uri, err = Probe(ctx, w.URL); err != nil {
		return nil, err
	}
	if e.tr, err = rpcexec.OpenTransport(ctx, cfg); err != nil {
		return nil, err
	}
	return e, nil
}

// serverName is the name of server i (from 0) of a run.
func serverName(i int) string { return "s" + strconv.Itoa(i+1) }

// topicQueues are the queues rpcexec declares for the run's servers.
func (e *env) topicQueues() []string {
	qs := []string{e.topic}
	for i := range e.w.Servers {
		qs = append(qs, e.topic+"."+serverName(i))
	}
	return qs
}

// close releases the transport and, on RabbitMQ, deletes the run's queues.
func (e *env) close() error {
	err := e.tr.Close(context.Background())
	if e.uri != "" && len(e.queues) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = errors.Join(err, deleteQueues(ctx, e.uri, e.queues...))
	}
	return err
}
