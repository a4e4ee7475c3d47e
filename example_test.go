package rpcexec_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
)

// A server answers echo in the "control" namespace at version 2.5 on the
// embedded bus (set transport_url to a rabbit:// URL for RabbitMQ), and
// stops gracefully.
func ExampleServer() {
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = "memory://example-server"

	ep := dispatch.NewEndpoint(dispatch.Target{Namespace: "control", Version: "2.5"})
	dispatch.Handle(ep, "echo", func(ctx context.Context, a struct {
		Value int `json:"value"`
	}) (int, error) {
		return a.Value, nil
	})
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "compute", Server: "host-1"}, dispatch.New(ep))
	if err != nil {
		log.Fatal(err)
	}
	// Start returns once the server consumes; on RabbitMQ it waits for the
	// broker, retrying, until ctx ends.
	if err := srv.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	fmt.Println("ready:", srv.Ready())

	client, _ := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "compute"})
	defer client.Close()
	var n int
	err = client.Prepare(rpcexec.InNamespace("control"), rpcexec.AtVersion("2.3")).
		Call(context.Background(), "echo", map[string]int{"value": 42}, &n)
	fmt.Println(n, err)

	stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fmt.Println("stopped:", srv.Stop(stop))
	// Output:
	// ready: true
	// 42 <nil>
	// stopped: <nil>
}

// A client passes a request id (and any other item of an oslo.context) in
// the caller context: it travels as _context_request_id, which an
// oslo.messaging server reads back into its RequestContext and logs, and
// an rpcexec endpoint reads with dispatch.FromContext.
func ExampleClient() {
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = "memory://example-client"
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "whoami", func(ctx context.Context, _ struct{}) (string, error) {
		cc := dispatch.FromContext(ctx)
		return cc.RequestID() + " " + cc["user_id"].(string), nil
	})
	srv, _ := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "compute", Server: "host-1"}, dispatch.New(ep))
	if err := srv.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "compute"})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := dispatch.NewContext(context.Background(),
		dispatch.CallerContext{"request_id": "req-3d2f6f1e-0c6c-4c7e-9a57-3c0d2b7f9e11", "user_id": "u-1"})
	var who string
	if err := client.Prepare(rpcexec.Timeout(5*time.Second)).Call(ctx, "whoami", nil, &who); err != nil {
		log.Fatal(err)
	}
	fmt.Println(who)
	// A cast waits for no reply; Fanout reaches every server of the topic.
	fmt.Println(client.Prepare(rpcexec.Fanout()).Cast(ctx, "whoami", nil))
	// Output:
	// req-3d2f6f1e-0c6c-4c7e-9a57-3c0d2b7f9e11 u-1
	// <nil>
}

// LoadConfigFiles reads an OpenStack service's own file as it is, then
// RPCEXEC_* variables; what it sets that rpcexec does not implement is
// noted, and logged once by the first server or client.
func ExampleLoadConfigFiles() {
	cfg, err := rpcexec.LoadConfigFiles("testdata/openstack/nova.conf")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.ControlExchange, cfg.AMQPDurableQueues, cfg.RPCResponseTimeout, cfg.HeartbeatTimeoutThreshold)
	fmt.Println(cfg.Notes().Unimplemented)
	// Output:
	// nova true 2m0s 30s
	// [oslo_messaging_notifications.driver oslo_messaging_notifications.topics oslo_messaging_rabbit.kombu_reconnect_delay oslo_messaging_rabbit.rabbit_ha_queues]
}

// An interceptor runs around every request: here it logs each method and
// its outcome. Metrics and tracing are interceptors too (packages metrics
// and tracing).
func ExampleWithInterceptors() {
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = "memory://example-interceptors"
	logRequests := func(ctx context.Context, r dispatch.Request, info *dispatch.Info, next dispatch.Invoker) (any, error) {
		res, err := next(ctx, r)
		fmt.Printf("%s/%s call=%v err=%v\n", info.Topic, r.Method, info.Call, err)
		return res, err
	}
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "ping", func(context.Context, struct{}) (string, error) { return "pong", nil })
	srv, _ := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "compute", Server: "host-1"}, dispatch.New(ep),
		rpcexec.WithInterceptors(logRequests))
	if err := srv.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client, _ := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "compute"})
	defer client.Close()
	var pong string
	_ = client.Call(context.Background(), "ping", nil, &pong)
	// Output:
	// compute/ping call=true err=<nil>
}
