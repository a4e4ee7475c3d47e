package bench

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/transport"
	"golang.org/x/sync/errgroup"
)

// rawCalls measures calls through the raw request/reply (see rawServer):
// end to end with the workload's callers, or, prefilled, the servers alone
// on a queue of requests whose replies the client drains.
func (r *run) rawCalls(ctx context.Context) (res Result, err error) {
	e := r.e
	size, err := r.requestSize()
	if err != nil {
		return Result{}, err
	}
	cctx, cancel := context.WithCancelCause(ctx)
	var g errgroup.Group
	var servers []*rawServer
	var client *rawClient
	defer func() {
		cancel(nil)
		err = errors.Join(err, g.Wait())
		for _, s := range servers {
			err = errors.Join(err, s.close())
		}
		if client != nil {
			err = errors.Join(err, client.close())
		}
	}()
	fail := func(fn func() error) {
		g.Go(func() error {
			err := fn()
			if err != nil && cctx.Err() == nil {
				cancel(err)
			}
			return nil // reported as the run's cause
		})
	}

	qos := e.cfg.QoS()
	for i := range e.w.Servers {
		s, err := openRawServer(ctx, r, i, qos)
		if err != nil {
			return Result{}, err
		}
		servers = append(servers, s)
		qs := transport.ServerQueues(transport.Subscription{Exchange: e.exchange, Topic: e.topic, Server: serverName(i)},
			transport.FanoutQueueName(e.topic), queueFlags(&e.cfg))
		for _, q := range qs {
			e.remember(q.Name)
		}
		if err := declareRaw(s.conn, qs); err != nil {
			return Result{}, err
		}
	}
	timeout := e.cfg.RPCResponseTimeout.Std()
	client, qs, err := openRawClient(ctx, e.uri, e.w.Publishers, timeout)
	for _, q := range qs {
		e.remember(q.Name)
	}
	if err != nil {
		return Result{}, err
	}
	fail(func() error { return client.receive(cctx) })

	counts := make([]atomic.Int64, len(servers))
	serve := func() {
		for i, s := range servers {
			s.count = &counts[i]
			fail(func() error { return s.serve(cctx, e.topic, e.w.Ack == "before") })
		}
	}
	to := transport.TopicAddress(e.exchange, e.topic, "")
	if e.w.Prefill {
		w := e.w
		w.Duration = 0
		if _, err := publishers(cctx, w, nil, 1, func(ctx context.Context, _ int, seq uint64) error {
			return client.send(ctx, to, bareBody(size, r.now(), seq, ""), "")
		}); err != nil {
			return Result{}, errors.Join(err, context.Cause(cctx))
		}
		r.tally.expect(r.expected())
		r.begin()
		serve()
	} else {
		serve()
		r.begin()
		sent, err := publishers(cctx, e.w, nil, 1, func(ctx context.Context, pub int, seq uint64) error {
			return client.call(ctx, pub, to, bareBody(size, r.now(), seq, ""), timeout)
		})
		if err != nil && cctx.Err() == nil {
			r.m.sampler.stop()
			return Result{}, err
		}
		r.tally.expect(sent)
	}
	res, err = r.finish(cctx)
	if cause := context.Cause(cctx); ctx.Err() == nil && cause != nil {
		return Result{}, cause
	}
	if len(counts) > 1 {
		for i := range counts {
			res.PerServer = append(res.PerServer, counts[i].Load())
		}
	}
	return res, err
}

// queueFlags are the declarations' flags of cfg, as rpcexec's transport
// takes them.
func queueFlags(cfg *rpcexec.Config) transport.QueueFlags {
	return transport.QueueFlags{
		Durable: cfg.AMQPDurableQueues, AutoDelete: cfg.AMQPAutoDelete, Quorum: cfg.RabbitQuorumQueue,
		Limits: transport.QuorumLimits{
			DeliveryLimit:   cfg.RabbitQuorumDeliveryLimit,
			MaxMemoryLength: cfg.RabbitQuorumMaxMemoryLength,
			MaxMemoryBytes:  cfg.RabbitQuorumMaxMemoryBytes,
		},
	}
}
