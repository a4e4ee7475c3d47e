package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rpcexec/rpcexec/dispatch"
)

// UnknownMethod is the method label of requests for a method no endpoint
// registered: the sender's text is never a label.
const UnknownMethod = "_unknown"

// Outcomes of a handled request, the values of the outcome label.
const (
	OutcomeOK                 = "ok"                  // the method returned a result
	OutcomeError              = "error"               // the method (or an interceptor) returned an error
	OutcomePanic              = "panic"               // the method panicked
	OutcomeBadRequest         = "bad_request"         // arguments or version the server cannot use
	OutcomeNoSuchMethod       = "no_such_method"      // no compatible endpoint has the method
	OutcomeUnsupportedVersion = "unsupported_version" // no endpoint serves the version asked for
)

// DurationBuckets are the handling-time histogram's buckets, in seconds:
// from half a millisecond to the minute of rpc_response_timeout.
var DurationBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// Requests measures dispatched requests through its Interceptor. It is a
// prometheus.Collector.
type Requests struct {
	handled  *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
}

var _ prometheus.Collector = (*Requests)(nil)

// NewRequests returns the per-method metrics, with constant labels (nil
// for none) to tell servers apart.
func NewRequests(constLabels prometheus.Labels) *Requests {
	return &Requests{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpcexec_requests_handled_total", ConstLabels: constLabels,
			Help: "Requests dispatched, by method and outcome.",
		}, []string{"method", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rpcexec_request_duration_seconds", ConstLabels: constLabels, Buckets: DurationBuckets,
			Help: "Time from dispatch to the method's return (interceptors inside this one included), by method.",
		}, []string{"method"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rpcexec_requests_in_progress", ConstLabels: constLabels,
			Help: "Requests being dispatched now, by method.",
		}, []string{"method"}),
	}
}

// Interceptor returns the interceptor that measures requests; give it to
// rpcexec.WithInterceptors, outermost to count what inner interceptors
// refuse too.
func (m *Requests) Interceptor() dispatch.Interceptor {
	return func(ctx context.Context, r dispatch.Request, info *dispatch.Info, next dispatch.Invoker) (any, error) {
		method := UnknownMethod
		if info != nil && info.Registered {
			method = r.Method
		}
		g := m.inFlight.WithLabelValues(method)
		g.Inc()
		start := time.Now()
		res, err := next(ctx, r)
		m.duration.WithLabelValues(method).Observe(time.Since(start).Seconds())
		g.Dec()
		m.handled.WithLabelValues(method, Outcome(err)).Inc()
		return res, err
	}
}

// Outcome classifies a dispatch error as the outcome label does.
func Outcome(err error) string {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, dispatch.ErrPanic):
		return OutcomePanic
	case errors.Is(err, dispatch.ErrNoSuchMethod):
		return OutcomeNoSuchMethod
	case errors.Is(err, dispatch.ErrUnsupportedVersion):
		return OutcomeUnsupportedVersion
	case errors.Is(err, dispatch.ErrBadArguments), errors.Is(err, dispatch.ErrMalformedVersion):
		return OutcomeBadRequest
	}
	return OutcomeError
}

// Describe implements prometheus.Collector.
func (m *Requests) Describe(ch chan<- *prometheus.Desc) {
	m.handled.Describe(ch)
	m.duration.Describe(ch)
	m.inFlight.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *Requests) Collect(ch chan<- prometheus.Metric) {
	m.handled.Collect(ch)
	m.duration.Collect(ch)
	m.inFlight.Collect(ch)
}
