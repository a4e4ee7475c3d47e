package dispatch

import (
	"context"
	"runtime/debug"
	"time"
)

// Invoker runs a request: the dispatcher's Dispatch, or the rest of an
// interceptor chain ending in it.
type Invoker func(ctx context.Context, r Request) (result any, err error)

// Interceptor runs around the dispatch of one request, in the shape of
// grpc's UnaryServerInterceptor: it may read or change ctx and r, call next
// (or answer without it), and read or change the result and error. It is
// rpcexec's one extension point for cross-cutting work: logging,
// authorisation, metrics (package metrics), tracing (package tracing).
//
// An interceptor runs on the executor's goroutine for the message, is
// called by many at once, and must return when ctx ends. Its error goes
// back to a caller as Dispatch's errors do (see AsError); a panic in it is
// answered as an endpoint panic is.
type Interceptor func(ctx context.Context, r Request, info *Info, next Invoker) (result any, err error)

// Info tells interceptors about a request beyond what Dispatch needs. It
// is shared along the chain; interceptors only read it.
type Info struct {
	// Topic and Server are the server's target.
	Topic, Server string
	// Call is set when the caller waits for a reply; a cast has none.
	Call bool
	// Queue is the queue the request came from (<topic>, <topic>.<server>
	// or the server's fanout queue).
	Queue string
	// Received is when the server took the message off its queue.
	Received time.Time
	// Registered is set when some endpoint has a method of r's name, so
	// that the name is one the service chose, not any text a sender put
	// there: safe, say, as a metric label.
	Registered bool
}

// Chain returns an interceptor that runs interceptors in order, the first
// outermost, around the final invoker; nil ones are skipped. With none it
// returns nil.
func Chain(interceptors ...Interceptor) Interceptor {
	var ics []Interceptor
	for _, ic := range interceptors {
		if ic != nil {
			ics = append(ics, ic)
		}
	}
	switch len(ics) {
	case 0:
		return nil
	case 1:
		return ics[0]
	}
	return func(ctx context.Context, r Request, info *Info, final Invoker) (any, error) {
		return chained(ics, info, final)(ctx, r)
	}
}

// chained is ics around final as one Invoker.
func chained(ics []Interceptor, info *Info, final Invoker) Invoker {
	if len(ics) == 0 {
		return final
	}
	next := chained(ics[1:], info, final)
	return func(ctx context.Context, r Request) (any, error) {
		return ics[0](ctx, r, info, next)
	}
}

// Has reports whether some endpoint has a method named method.
func (d *Dispatcher) Has(method string) bool {
	for _, e := range d.endpoints {
		if _, ok := e.methods[method]; ok {
			return true
		}
	}
	return false
}

// Invoke dispatches r through ic (when not nil) to d, turning a panic in
// an interceptor into an error reply as Dispatch does for endpoints.
func (d *Dispatcher) Invoke(ctx context.Context, r Request, info *Info, ic Interceptor) (result any, err error) {
	if ic == nil {
		return d.Dispatch(ctx, r)
	}
	defer func() {
		if v := recover(); v != nil {
			result, err = nil, panicError(r.Method, v, debug.Stack())
		}
	}()
	result, err = ic(ctx, r, info, d.Dispatch)
	if err != nil {
		return nil, AsError(err)
	}
	return result, nil
}
