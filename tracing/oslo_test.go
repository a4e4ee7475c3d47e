package tracing_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/tracing"
)

// TestOneTraceThroughRabbitMQAndOslo: one trace from an rpcexec client
// through RabbitMQ to an rpcexec server; and one through an
// oslo.messaging server in the middle, which forwards the context it
// received (as OpenStack services pass theirs on) without spans of its
// own.
func TestOneTraceThroughRabbitMQAndOslo(t *testing.T) {
	url := brokertest.OsloURL(t)
	goTopic := brokertest.Topic(t, "s1")
	pyTopic := brokertest.Topic(t, "py-1")
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = url
	r := newRig(t, cfg, goTopic, goTopic)
	brokertest.OsloServer[map[string]any](t, "../testdata/oslo/server.py", url, pyTopic, "py-1")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var got int
	if err := r.client.Call(ctx, "echo", map[string]int{"value": 1}, &got); err != nil || got != 1 {
		t.Fatalf("echo: got %d, %v", got, err)
	}
	childOf(t, r.span(t, goTopic+"/echo", trace.SpanKindServer), r.span(t, goTopic+"/echo", trace.SpanKindClient))

	r.spans.Reset()
	py, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: pyTopic},
		rpcexec.WithClientInterceptors(tracing.ClientInterceptor(tracing.WithTracerProvider(r.tp))))
	if err != nil {
		t.Fatal(err)
	}
	defer py.Close()
	args := map[string]any{"topic": goTopic, "method": "echo", "args": map[string]int{"value": 2}}
	if err := py.Call(ctx, "forward", args, &got); err != nil || got != 2 {
		t.Fatalf("forward through oslo.messaging: got %d, %v", got, err)
	}
	client := r.span(t, pyTopic+"/forward", trace.SpanKindClient)
	server := r.span(t, goTopic+"/echo", trace.SpanKindServer)
	childOf(t, server, client) // the Python hop has no span: the Go server's parent is the Go client's span
	t.Logf("trace %s:\n  %s\n    %s", client.SpanContext.TraceID(), Describe(client), Describe(server))
}
