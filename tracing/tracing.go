package tracing

import (
	"log/slog"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans.
const ScopeName = "github.com/rpcexec/rpcexec/tracing"

// Option configures the interceptors.
type Option func(*config)

type config struct {
	provider   trace.TracerProvider
	propagator propagation.TextMapPropagator
	logger     *slog.Logger
}

// WithTracerProvider sets where spans go; otel.GetTracerProvider() by
// default.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.provider = tp }
}

// WithPropagator sets how the trace context is written into and read from
// the caller context; by default the W3C trace context
// (propagation.TraceContext) with baggage.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.propagator = p }
}

// WithLogger sets where the debug line about a trace context that does
// not parse goes; slog.Default() by default.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

func newConfig(opts []Option) *config {
	c := &config{
		provider:   otel.GetTracerProvider(),
		propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
		logger:     slog.Default(),
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

func (c *config) tracer() trace.Tracer { return c.provider.Tracer(ScopeName) }
