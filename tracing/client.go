package tracing

import (
	"context"
	"maps"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
)

// ClientInterceptor returns an interceptor that starts a client span per
// call (a producer span per cast) as a child of the span in ctx, and sends
// its trace context in the caller context (see package documentation).
// Give it to rpcexec.WithClientInterceptors.
func ClientInterceptor(opts ...Option) rpcexec.ClientInterceptor {
	c := newConfig(opts)
	tracer := c.tracer()
	return func(ctx context.Context, call *rpcexec.ClientCall, next rpcexec.ClientInvoker) error {
		kind := trace.SpanKindClient
		if call.Cast {
			kind = trace.SpanKindProducer
		}
		t := call.Target
		attrs := []attribute.KeyValue{
			attribute.String("rpc.system", "oslo_messaging"),
			attribute.String("rpc.service", t.Topic),
			attribute.String("rpc.method", call.Method),
			attribute.String("messaging.destination.name", t.Exchange),
		}
		attrs = appendNonEmpty(attrs, "rpcexec.namespace", t.Namespace)
		attrs = appendNonEmpty(attrs, "rpcexec.version", t.Version)
		attrs = appendNonEmpty(attrs, "rpcexec.server", t.Server)
		if t.Fanout {
			attrs = append(attrs, attribute.Bool("rpcexec.fanout", true))
		}
		ctx, span := tracer.Start(ctx, t.Topic+"/"+call.Method, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
		defer span.End()

		cc := maps.Clone(dispatch.FromContext(ctx)) // the caller's own context is not changed
		if cc == nil {
			cc = dispatch.CallerContext{}
		}
		c.propagator.Inject(ctx, carrier(cc))
		err := next(dispatch.NewContext(ctx, cc), call)
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		return err
	}
}

func appendNonEmpty(attrs []attribute.KeyValue, key, value string) []attribute.KeyValue {
	if value == "" {
		return attrs
	}
	return append(attrs, attribute.String(key, value))
}
