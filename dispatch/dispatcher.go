package dispatch

import (
	"context"
	"fmt"
	"runtime/debug"
)

// Dispatcher routes requests to endpoints by oslo.messaging's rules. It is
// read-only after New and safe for concurrent Dispatch.
type Dispatcher struct {
	endpoints []*Endpoint
}

// New returns a dispatcher trying endpoints in the given order. It freezes
// them: a later Handle on one of them panics. A nil endpoint panics.
func New(endpoints ...*Endpoint) *Dispatcher {
	for _, e := range endpoints {
		if e == nil {
			panic("dispatch: New: nil endpoint")
		}
		e.frozen = true
	}
	return &Dispatcher{endpoints: append([]*Endpoint(nil), endpoints...)}
}

// Dispatch calls the method r asks for on the first endpoint whose namespace
// equals r.Namespace, whose version is compatible with r.Version and which
// has the method. Any non-nil error is an *Error ready for a reply:
// NoSuchMethod when endpoints were compatible but none had the method,
// UnsupportedVersion when none was compatible, ValueError (ErrMalformedVersion)
// for a malformed r.Version, TypeError (ErrBadArguments) for unusable args,
// class "panic" (ErrPanic) when the method panicked, or the method's own
// error through AsError.
func (d *Dispatcher) Dispatch(ctx context.Context, r Request) (result any, err error) {
	var want version
	parsed, compatible := false, false
	for _, e := range d.endpoints {
		if e.target.Namespace != r.Namespace {
			continue
		}
		if !parsed { // only now, as oslo checks the namespace first
			if want, err = parseVersion(r.Version); err != nil {
				return nil, malformedVersion(r, err)
			}
			parsed = true
		}
		if !e.version.accepts(want) {
			continue
		}
		if h, ok := e.methods[r.Method]; ok {
			return call(ctx, h, r)
		}
		compatible = true
	}
	if compatible {
		return nil, NewNoSuchMethod(r.Method)
	}
	v := r.Version
	if v == "" {
		v = defaultVersion
	}
	return nil, NewUnsupportedVersion(v, r.Method)
}

// call runs h, turning a panic into an error reply and any error into *Error.
func call(ctx context.Context, h handler, r Request) (result any, err error) {
	defer func() {
		if v := recover(); v != nil {
			result, err = nil, panicError(r.Method, v, debug.Stack())
		}
	}()
	result, err = h(ctx, r.Args)
	if err != nil {
		return nil, AsError(err)
	}
	return result, nil
}

// malformedVersion reports a version oslo.messaging cannot parse either: a
// Python server fails with ValueError or IndexError from inside
// version_is_compatible; here it is a ValueError naming the version and method.
func malformedVersion(r Request, err error) *Error {
	msg := fmt.Sprintf("malformed RPC version %q (want MAJOR.MINOR[.REVISION]). Attempted method: %s", r.Version, r.Method)
	return newError(BuiltinsModule, "ValueError", msg, err)
}
