package main

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/bench/sim"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/metrics"
)

// stopTimeout bounds the graceful stop after ctx ends: requests under way
// may finish, a long sleep is cut short.
const stopTimeout = 5 * time.Second

// serveSim runs the simulator's endpoint on target until ctx ends (or the
// server stops by itself, its broker gone for good), then stops it
// gracefully and returns the counts of what was handled. With metricsAddr
// it serves /metrics, /healthz and /readyz there from before Start (so a
// probe sees the server waiting for its broker) until it has stopped; an
// address in use is an error before anything starts. ready is called once
// the server consumes, with " metrics at http://…/metrics" or "".
func serveSim(ctx context.Context, cfg rpcexec.Config, target rpcexec.Target, version, metricsAddr string,
	ready func(metricsURL string)) (map[string]int64, error) {
	var counts sim.Counts
	var opts []rpcexec.ServerOption
	reqs := metrics.NewRequests(nil)
	if metricsAddr != "" {
		opts = append(opts, rpcexec.WithInterceptors(reqs.Interceptor()))
	}
	srv, err := rpcexec.NewServer(cfg, target, dispatch.New(sim.Endpoint(version, &counts)), opts...)
	if err != nil {
		return nil, err
	}
	metricsURL := ""
	if metricsAddr != "" {
		reg := prometheus.NewRegistry()
		reg.MustRegister(reqs, metrics.NewCollector(srv, nil),
			collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		hs, err := metrics.Listen(metricsAddr, metrics.Handler(reg, srv))
		if err != nil {
			return nil, err
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = hs.Close(ctx)
		}()
		metricsURL = ", metrics at http://" + hs.Addr() + "/metrics"
	}
	if err := srv.Start(ctx); err != nil {
		return nil, err
	}
	ready(metricsURL)
	select {
	case <-ctx.Done():
	case <-srv.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	err = errors.Join(srv.Stop(stop), srv.Err())
	return counts.Snapshot(), err
}
