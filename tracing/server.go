package tracing

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/rpcexec/rpcexec/dispatch"
)

// traceparent is the W3C trace context's key.
const traceparent = "traceparent"

// unknownMethod names the span of a request for a method no endpoint
// registered, so a sender's text does not become a span name.
const unknownMethod = "_unknown"

// ServerInterceptor returns an interceptor that starts a server span per
// call (a consumer span per cast), the child of the trace context the
// caller sent when there is one (see package documentation). Give it to
// rpcexec.WithInterceptors.
func ServerInterceptor(opts ...Option) dispatch.Interceptor {
	c := newConfig(opts)
	tracer := c.tracer()
	return func(ctx context.Context, r dispatch.Request, info *dispatch.Info, next dispatch.Invoker) (any, error) {
		if info == nil {
			info = &dispatch.Info{}
		}
		ctx = c.extract(ctx, r.Method)
		kind := trace.SpanKindConsumer
		if info.Call {
			kind = trace.SpanKindServer
		}
		method := unknownMethod
		if info.Registered {
			method = r.Method
		}
		attrs := []attribute.KeyValue{
			attribute.String("rpc.system", "oslo_messaging"),
			attribute.String("rpc.service", info.Topic),
			attribute.String("rpc.method", r.Method),
			attribute.String("messaging.destination.name", info.Queue),
		}
		attrs = appendNonEmpty(attrs, "rpcexec.namespace", r.Namespace)
		attrs = appendNonEmpty(attrs, "rpcexec.version", r.Version)
		attrs = appendNonEmpty(attrs, "rpcexec.server", info.Server)
		ctx, span := tracer.Start(ctx, info.Topic+"/"+method, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
		defer span.End()
		res, err := next(ctx, r)
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		return res, err
	}
}

// extract returns ctx with the remote span context the caller sent, when
// there is a valid one. One that does not parse is logged at Debug and
// ignored: the request then starts a new trace.
func (c *config) extract(ctx context.Context, method string) context.Context {
	cc := dispatch.FromContext(ctx)
	raw, present := cc[traceparent]
	if !present {
		return ctx
	}
	out := c.propagator.Extract(ctx, carrier(cc))
	if !trace.SpanContextFromContext(out).IsRemote() {
		c.logger.Debug("rpcexec: ignored a trace context that does not parse; the request starts a new trace",
			"method", method, "request_id", cc.RequestID(), "traceparent", printable(raw))
	}
	return out
}

// printable shows a sender's value in a log line, bounded.
func printable(v any) string {
	s, ok := v.(string)
	if !ok {
		return "(not a string)"
	}
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
