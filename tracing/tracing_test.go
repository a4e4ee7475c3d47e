package tracing_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/internal/syncbuf"
	"github.com/rpcexec/rpcexec/tracing"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) // ants' default pool
}

// rig is a traced server and client on one configuration.
type rig struct {
	spans  *tracetest.InMemoryExporter
	tp     *sdktrace.TracerProvider
	client *rpcexec.Client
	logs   *syncbuf.Buffer
}

// newRig starts a traced server on topic whose endpoint has echo, fail
// and relay (which calls echo on relayTopic with a traced client, passing
// its context on), and a traced client of topic.
func newRig(t *testing.T, cfg rpcexec.Config, topic, relayTopic string) *rig {
	t.Helper()
	r := &rig{spans: tracetest.NewInMemoryExporter(), logs: &syncbuf.Buffer{}}
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(r.spans))
	t.Cleanup(func() { r.tp.Shutdown(context.Background()) })
	cfg.Logger = slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := []tracing.Option{tracing.WithTracerProvider(r.tp), tracing.WithLogger(cfg.Logger)}

	relay, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: relayTopic},
		rpcexec.WithClientInterceptors(tracing.ClientInterceptor(opts...)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { relay.Close() })
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "echo", func(_ context.Context, a struct {
		Value any `json:"value"`
	}) (any, error) {
		return a.Value, nil
	})
	dispatch.Handle(ep, "fail", func(context.Context, struct{}) (any, error) {
		return nil, &dispatch.Error{Class: "ValueError", Module: dispatch.BuiltinsModule, Message: "it broke"}
	})
	dispatch.Handle(ep, "relay", func(ctx context.Context, a struct {
		Value any `json:"value"`
	}) (any, error) {
		var out any
		err := relay.Call(ctx, "echo", map[string]any{"value": a.Value}, &out)
		return out, err
	})
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: topic, Server: "s1"}, dispatch.New(ep),
		rpcexec.WithInterceptors(tracing.ServerInterceptor(opts...)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	if r.client, err = rpcexec.NewClient(cfg, rpcexec.Target{Topic: topic},
		rpcexec.WithClientInterceptors(tracing.ClientInterceptor(opts...))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.client.Close() })
	return r
}

// span finds the one span named name of kind, failing the test otherwise.
func (r *rig) span(t *testing.T, name string, kind trace.SpanKind) tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	for _, s := range r.spans.GetSpans() {
		if s.Name == name && s.SpanKind == kind {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("spans named %s of kind %s: got %d, want 1; all: %s", name, kind, len(found), r.summary())
	}
	return found[0]
}

func (r *rig) summary() string {
	var b strings.Builder
	for _, s := range r.spans.GetSpans() {
		b.WriteString("\n  " + Describe(s))
	}
	return b.String()
}

// Describe writes a span as one line of text without its random ids.
func Describe(s tracetest.SpanStub) string {
	var attrs []string
	for _, kv := range s.Attributes {
		attrs = append(attrs, string(kv.Key)+"="+kv.Value.String())
	}
	return s.SpanKind.String() + " " + s.Name + " [" + strings.Join(attrs, " ") + "] " + s.Status.Code.String()
}

// childOf checks that child is in parent's trace, as its child.
func childOf(t *testing.T, child, parent tracetest.SpanStub) {
	t.Helper()
	if child.SpanContext.TraceID() != parent.SpanContext.TraceID() || child.Parent.SpanID() != parent.SpanContext.SpanID() {
		t.Errorf("%s (trace %s, parent %s): want a child of %s (trace %s, span %s)", child.Name,
			child.SpanContext.TraceID(), child.Parent.SpanID(), parent.Name, parent.SpanContext.TraceID(), parent.SpanContext.SpanID())
	}
}

func memoryConfig(t *testing.T) rpcexec.Config {
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = "memory://" + t.Name()
	return cfg
}

func TestOneTraceAcrossCalls(t *testing.T) {
	r := newRig(t, memoryConfig(t), "front", "front")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx = dispatch.NewContext(ctx, dispatch.CallerContext{"request_id": "req-1"})
	var got int
	if err := r.client.Call(ctx, "relay", map[string]int{"value": 7}, &got); err != nil || got != 7 {
		t.Fatalf("relay: got %d, %v", got, err)
	}
	client := r.span(t, "front/relay", trace.SpanKindClient)
	server := r.span(t, "front/relay", trace.SpanKindServer)
	relay := r.span(t, "front/echo", trace.SpanKindClient)
	echo := r.span(t, "front/echo", trace.SpanKindServer)
	if client.Parent.IsValid() {
		t.Errorf("the first client span has a parent %s, want a root", client.Parent.SpanID())
	}
	childOf(t, server, client)
	childOf(t, relay, server)
	childOf(t, echo, relay)
	if !server.Parent.IsRemote() {
		t.Error("server span: want a remote parent")
	}
	if want := "server front/relay [rpc.system=oslo_messaging rpc.service=front rpc.method=relay " +
		"messaging.destination.name=front rpcexec.server=s1] Unset"; Describe(server) != want {
		t.Errorf("server span:\ngot  %s\nwant %s", Describe(server), want)
	}
}

func TestFailuresAndCasts(t *testing.T) {
	r := newRig(t, memoryConfig(t), "t", "t")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.client.Call(ctx, "fail", nil, nil); err == nil {
		t.Fatal("fail: got no error")
	}
	if err := r.client.Call(ctx, "no-such-"+t.Name(), nil, nil); err == nil {
		t.Fatal("unknown method: got no error")
	}
	if err := r.client.Cast(ctx, "echo", map[string]int{"value": 1}); err != nil {
		t.Fatal(err)
	}
	for i := 0; len(r.spans.GetSpans()) < 6; i++ {
		if i > 500 {
			t.Fatalf("spans: %s", r.summary())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, s := range []tracetest.SpanStub{r.span(t, "t/fail", trace.SpanKindClient), r.span(t, "t/fail", trace.SpanKindServer)} {
		if s.Status.Code != codes.Error || s.Status.Description != "ValueError: it broke" {
			t.Errorf("%s %s: got status %v %q, want Error with the failure", s.SpanKind, s.Name, s.Status.Code, s.Status.Description)
		}
	}
	unknown := r.span(t, "t/_unknown", trace.SpanKindServer) // a sender's text is not a span name
	childOf(t, unknown, r.span(t, "t/no-such-"+t.Name(), trace.SpanKindClient))
	childOf(t, r.span(t, "t/echo", trace.SpanKindConsumer), r.span(t, "t/echo", trace.SpanKindProducer))
}

// TestUnparsableTraceContext: a trace context that does not parse is
// ignored with a debug line; the request is served as a new trace.
func TestUnparsableTraceContext(t *testing.T) {
	cfg := memoryConfig(t)
	r := newRig(t, cfg, "t", "t")
	plain, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "t"}) // no tracing: sends the context as it is
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, bad := range []any{"00-not-a-trace-context", 42} {
		ctx := dispatch.NewContext(ctx, dispatch.CallerContext{"traceparent": bad, "request_id": "req-bad"})
		var got int
		if err := plain.Call(ctx, "echo", map[string]int{"value": 5}, &got); err != nil || got != 5 {
			t.Fatalf("traceparent %v: got %d, %v; want the request served", bad, got, err)
		}
	}
	for _, s := range r.spans.GetSpans() {
		if s.Parent.IsValid() {
			t.Errorf("%s: got parent %s, want a new trace", s.Name, s.Parent.SpanID())
		}
	}
	logs := r.logs.String()
	for _, want := range []string{`traceparent=00-not-a-trace-context`, `traceparent="(not a string)"`} {
		if !strings.Contains(logs, "level=DEBUG msg=\"rpcexec: ignored a trace context that does not parse") ||
			!strings.Contains(logs, want) {
			t.Errorf("log lacks a debug line with %s:\n%s", want, logs)
		}
	}
}
