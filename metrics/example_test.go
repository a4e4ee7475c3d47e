package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/metrics"
)

// A server with Prometheus metrics and health endpoints; rpc-server
// --metrics-addr serves the same.
func Example() {
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = "memory://metrics-example"
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "ping", func(context.Context, struct{}) (string, error) { return "pong", nil })

	requests := metrics.NewRequests(nil)
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "compute", Server: "host-1"}, dispatch.New(ep),
		rpcexec.WithInterceptors(requests.Interceptor()))
	if err != nil {
		log.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(requests, metrics.NewCollector(srv, nil))
	hs, err := metrics.Listen("127.0.0.1:0", metrics.Handler(reg, srv)) // an address in use fails here
	if err != nil {
		log.Fatal(err)
	}
	defer hs.Close(context.Background())
	if err := srv.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client, _ := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "compute"})
	defer client.Close()
	_ = client.Call(context.Background(), "ping", nil, nil)

	resp, err := http.Get("http://" + hs.Addr() + "/metrics")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "rpcexec_requests_handled_total{") || strings.HasPrefix(line, "rpcexec_ready ") {
			fmt.Println(line)
		}
	}
	ready, _ := http.Get("http://" + hs.Addr() + "/readyz")
	ready.Body.Close()
	fmt.Println("/readyz", ready.StatusCode)
	// Output:
	// rpcexec_ready 1
	// rpcexec_requests_handled_total{method="ping",outcome="ok"} 1
	// /readyz 200
}
