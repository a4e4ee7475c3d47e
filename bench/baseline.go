package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/wire"
)

// baseline measures the raw limit of the transport for the same traffic:
// the same publishing (through the Transport, window and publishers
// included) to bare consumers with the same prefetch and ack policy, which
// take each message and settle it, replying to calls, with no rpcexec in
// the way. Strategies are compared to it.
func (r *run) baseline(ctx context.Context) (res Result, err error) {
	e := r.e
	if e.uri != "" && e.w.Mode == Call {
		return r.rawCalls(ctx)
	}
	bb, err := r.bareBus(ctx)
	if err != nil {
		return Result{}, err
	}
	defer func() { err = errors.Join(err, bb.close()) }()
	queues, to, err := r.bareQueues(ctx, bb)
	if err != nil {
		return Result{}, err
	}
	size, err := r.requestSize()
	if err != nil {
		return Result{}, err
	}
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	pool := &consumerPool{r: r}
	stopDrain := func() {} // the reply drain of prefilled calls, stopped after the consumers
	defer func() {
		err = errors.Join(err, pool.stop())
		stopDrain()
	}()
	start := func() error { return pool.start(cctx, cancel, bb, queues, e.cfg.QoS(), e.w.Executor == Baseline) }

	if e.w.Prefill {
		replyQ := ""
		if e.w.Mode == Call {
			var stop func()
			if replyQ, stop, err = drainReplies(ctx, e.tr); err != nil {
				return Result{}, err
			}
			stopDrain = stop
		}
		w := e.w
		w.Duration = 0
		if _, err := publishers(ctx, w, nil, 1, func(ctx context.Context, _ int, seq uint64) error {
			return e.tr.Publish(ctx, to, transport.Message{Body: bareBody(size, r.now(), seq, replyQ), Mandatory: true})
		}); err != nil {
			return Result{}, err
		}
		r.tally.expect(r.expected())
		r.begin()
		if err := start(); err != nil {
			r.m.sampler.stop()
			return Result{}, err
		}
	} else {
		if err := start(); err != nil {
			return Result{}, err
		}
		callers, err := newBareCallers(ctx, bb, e.w)
		if err != nil {
			return Result{}, err
		}
		defer callers.close()
		// Casts are published as rpcexec's client publishes them (see endToEnd).
		unconfirmed := newConfirms(e.w.Publishers, max(1, e.w.Window*e.w.Servers/e.w.Publishers))
		r.begin()
		sent, err := publishers(cctx, e.w, r.win, r.perMsg(), func(ctx context.Context, pub int, seq uint64) error {
			body := bareBody(size, r.now(), seq, callers.queue(pub))
			msg := transport.Message{Body: body, Mandatory: true}
			if e.w.Mode == Call {
				if err := e.tr.Publish(ctx, to, msg); err != nil {
					return err
				}
				return callers.await(ctx, pub, e.cfg.RPCResponseTimeout.Std())
			}
			s, err := publishAsync(ctx, e.tr, to, msg)
			if err != nil {
				return err
			}
			return unconfirmed.add(ctx, pub, s)
		})
		if err == nil {
			err = unconfirmed.wait(cctx)
		}
		if err != nil && cctx.Err() == nil {
			r.m.sampler.stop()
			return Result{}, err
		}
		r.tally.expect(sent * int64(r.perMsg()))
	}
	res, err = r.finish(cctx)
	if cause := context.Cause(cctx); ctx.Err() == nil && cause != nil {
		return Result{}, cause // a consumer failed
	}
	res.PerServer = pool.perServer()
	return res, err
}

func (r *run) bareBus(ctx context.Context) (bareBus, error) {
	if r.e.bus != nil {
		return memoryBare{bus: r.e.bus}, nil
	}
	return newRabbitBare(ctx, r.e.uri)
}

// bareQueues declares what rpcexec's servers would consume: the topic
// queue, shared by the consumers, or one fanout queue each.
func (r *run) bareQueues(ctx context.Context, bb bareBus) ([]string, transport.Address, error) {
	e := r.e
	queues := make([]string, e.w.Servers)
	if e.w.Mode == Fanout {
		for i := range queues {
			queues[i] = transport.FanoutExchangeName(e.topic) + "_" + serverName(i)
			if err := bb.fanoutQueue(ctx, transport.FanoutExchangeName(e.topic), queues[i]); err != nil {
				return nil, transport.Address{}, err
			}
		}
		return queues, transport.FanoutAddress(e.topic), nil
	}
	for i := range queues {
		queues[i] = e.topic
	}
	e.remember(e.topic)
	err := bb.topicQueue(ctx, e.exchange, e.topic, e.topic)
	return queues, transport.TopicAddress(e.exchange, e.topic, ""), err
}

// requestSize is the size of the rpcexec request a baseline body stands for.
func (r *run) requestSize() (int, error) {
	replyQ := ""
	if r.e.w.Mode == Call {
		replyQ = "reply_" + wire.NewID()
	}
	body, err := r.request(1, replyQ)
	return len(body), err
}

// consumerPool runs one bare consumer per server, each on its goroutine.
// A consumer that fails cancels the run with its error.
type consumerPool struct {
	r      *run
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup
	cs     []bareConsumer
	counts []atomic.Int64
}

func (p *consumerPool) start(ctx context.Context, cancel context.CancelCauseFunc, bb bareBus, queues []string,
	prefetch int, perMessage bool) error {
	p.cancel = cancel
	p.counts = make([]atomic.Int64, len(queues))
	for _, q := range queues {
		c, err := bb.consume(ctx, q, prefetch, perMessage)
		if err != nil {
			return err
		}
		p.cs = append(p.cs, c)
	}
	for i, c := range p.cs {
		p.wg.Go(func() {
			if err := p.loop(ctx, i, c, prefetch); err != nil && ctx.Err() == nil {
				cancel(err)
			}
		})
	}
	return nil
}

// stop ends the consumers, waits for them and closes them.
func (p *consumerPool) stop() error {
	if p.cancel != nil {
		p.cancel(nil)
	}
	p.wg.Wait()
	var errs []error
	for _, c := range p.cs {
		errs = append(errs, c.close())
	}
	return errors.Join(errs...)
}

func (p *consumerPool) perServer() []int64 {
	if len(p.counts) < 2 {
		return nil
	}
	out := make([]int64, len(p.counts))
	for i := range p.counts {
		out[i] = p.counts[i].Load()
	}
	return out
}

// loop is consumer i: receive a batch, settle it before or after
// "handling" per the ack policy, reply to calls.
func (p *consumerPool) loop(ctx context.Context, i int, c bareConsumer, prefetch int) error {
	r := p.r
	before := r.e.w.Ack == "before"
	for ctx.Err() == nil {
		bodies, err := c.receive(ctx, prefetch)
		if err != nil {
			return err
		}
		if before {
			if err := c.settle(ctx); err != nil {
				return err
			}
		}
		for _, b := range bodies {
			t, seq, replyQ := parseBareBody(b)
			p.counts[i].Add(1)
			r.handled(t)
			if replyQ != "" {
				reply := transport.Message{Body: bareBody(0, t, seq, ""), Mandatory: true}
				if err := r.e.tr.Publish(ctx, transport.ReplyAddress(replyQ), reply); err != nil {
					return fmt.Errorf("bench: baseline reply: %w", err)
				}
			}
		}
		if !before {
			if err := c.settle(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}
