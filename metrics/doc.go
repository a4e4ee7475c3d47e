// Package metrics exports rpcexec servers to Prometheus
// (github.com/prometheus/client_golang) and serves the endpoints an
// orchestrator probes: /metrics, /healthz and /readyz. It is an adapter:
// the core packages do not import it, nor client_golang.
//
// Two sources feed it. A Collector reads a server's counters
// (rpcexec.Server.Stats: listener, request path, transport) and its
// readiness at scrape time, so the request path pays nothing for them. A
// Requests measures each dispatched request by method and outcome, and its
// handling time, through a dispatch.Interceptor given to the server with
// rpcexec.WithInterceptors.
//
//	reqs := metrics.NewRequests(nil)
//	srv, _ := rpcexec.NewServer(cfg, target, d, rpcexec.WithInterceptors(reqs.Interceptor()))
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(reqs, metrics.NewCollector(srv, nil))
//	hs, err := metrics.Listen("127.0.0.1:9464", metrics.Handler(reg, srv)) // an address in use fails here
//
// Names follow Prometheus conventions (rpcexec_…_total for counters,
// _seconds for durations) and every label is bounded: the method label is
// a method some endpoint registered, or "_unknown" (names beginning with
// "_" are never methods), never text a sender chose; outcomes and reasons
// are fixed sets. Several servers in one process tell their series apart
// by constant labels (say topic and server) given to NewCollector and
// NewRequests.
//
// Concurrency: a Requests' interceptor is called by many tasks at once;
// Collect may run concurrently with everything. HTTPServer owns one
// goroutine, stopped and waited for by Close.
package metrics
