// Package tracing traces rpcexec calls with OpenTelemetry
// (go.opentelemetry.io/otel) through the two interceptor hooks: a client
// span per Call or Cast (ClientInterceptor, given with
// rpcexec.WithClientInterceptors) and a server span per request
// (ServerInterceptor, given with rpcexec.WithInterceptors). It is an
// adapter: the core packages do not import it, nor OpenTelemetry.
//
// # Propagation
//
// The client injects the W3C trace context (traceparent, tracestate, and
// whatever else the propagator writes, such as baggage) into the caller
// context, which travels as "_context_traceparent" and so on, the way
// oslo.messaging sends every item of an oslo.context. An oslo.messaging
// service that calls on with the context it received (as nova passes its
// RequestContext along) carries the trace through unchanged, so one trace
// spans Go and Python hops, the Python ones without spans of their own.
// The server extracts it and starts its span as the remote span's child;
// the span is in the endpoint's context, so calls the endpoint makes with
// a traced client join the same trace.
//
// A trace context that does not parse (not a string, or not a valid
// traceparent) is ignored with a debug log line: the request runs as the
// root of a new trace, never fails for it.
//
// # Spans
//
// Names are "<topic>/<method>" (low cardinality: a server names a method
// no endpoint registered "_unknown"). Calls are SpanKindClient and
// SpanKindServer, casts SpanKindProducer and SpanKindConsumer. Attributes:
// rpc.system "oslo_messaging", rpc.service (the topic), rpc.method,
// messaging.destination.name (the client's exchange, the queue a server
// consumed), and rpcexec.namespace, rpcexec.version, rpcexec.server and
// rpcexec.fanout where they apply. A failed call sets the span's status
// to Error with the message and records the error.
//
// The package holds no goroutines; interceptors are safe for concurrent
// use.
package tracing
