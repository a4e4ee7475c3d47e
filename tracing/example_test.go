package tracing_test

import (
	"context"
	"fmt"
	"log"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/tracing"
)

// A traced client and server: one trace, the server's span a child of the
// client's, joined through _context_traceparent.
func Example() {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)) // an OTLP exporter in production
	defer tp.Shutdown(context.Background())

	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = "memory://tracing-example"
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "ping", func(ctx context.Context, _ struct{}) (string, error) {
		return dispatch.FromContext(ctx)["traceparent"].(string)[:3], nil // "00-…", the W3C version
	})
	srv, _ := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "compute", Server: "host-1"}, dispatch.New(ep),
		rpcexec.WithInterceptors(tracing.ServerInterceptor(tracing.WithTracerProvider(tp))))
	if err := srv.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client, _ := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "compute"},
		rpcexec.WithClientInterceptors(tracing.ClientInterceptor(tracing.WithTracerProvider(tp))))
	defer client.Close()
	var version string
	if err := client.Call(context.Background(), "ping", nil, &version); err != nil {
		log.Fatal(err)
	}
	fmt.Println("traceparent version", version)

	got := spans.GetSpans()
	server, caller := got[0], got[1] // the server's ends first
	fmt.Println(caller.SpanKind, caller.Name)
	fmt.Println(server.SpanKind, server.Name)
	fmt.Println("same trace:", server.SpanContext.TraceID() == caller.SpanContext.TraceID(),
		"child:", server.Parent.SpanID() == caller.SpanContext.SpanID())
	// Output:
	// traceparent version 00-
	// client compute/ping
	// server compute/ping
	// same trace: true child: true
}
