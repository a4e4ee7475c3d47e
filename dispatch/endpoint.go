package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Target is what an endpoint serves, as oslo.messaging's Target on an
// endpoint: a namespace ("" is oslo's null namespace, the one a request
// without "namespace" asks for) and a version ("" means "1.0").
type Target struct {
	Namespace, Version string
}

// handler decodes a request's args and calls one endpoint method.
type handler func(ctx context.Context, args json.RawMessage) (any, error)

// Endpoint is a set of methods served under one Target, like an oslo.messaging
// endpoint object. Register methods with Handle, then pass the endpoint to
// New; it is read-only from then on.
type Endpoint struct {
	target  Target
	version version
	methods map[string]handler
	frozen  bool // set by New: Handle after that would race with Dispatch
}

// NewEndpoint returns an endpoint with no methods serving t. It panics if
// t.Version is malformed: like a misspelt method name, that is a mistake in
// the program, and oslo.messaging would fail on every request instead.
func NewEndpoint(t Target) *Endpoint {
	v, err := parseVersion(t.Version)
	if err != nil {
		panic(fmt.Sprintf("dispatch: endpoint target: %v", err))
	}
	return &Endpoint{target: t, version: v, methods: make(map[string]handler)}
}

// Target returns the target the endpoint was made with.
func (e *Endpoint) Target() Target { return e.target }

// Handle registers fn as method on e. A request's args object is decoded
// into A with encoding/json (A is usually a struct with json tags; a struct
// rejects keys that name none of its fields, as Python rejects unexpected
// kwargs; a map takes any keys), and the result R is encoded by the caller of
// Dispatch.
//
// Handle panics, as http.ServeMux.Handle does, when method is empty, begins
// with "_" (such names are never exposed, as with oslo's default access
// policy), is already registered on e, when fn is nil, or when e was already
// passed to New. Registration is static code run before serving, and a lone
// error result could be dropped without a word from the compiler; a panic at
// start-up cannot go unnoticed.
func Handle[A, R any](e *Endpoint, method string, fn func(ctx context.Context, args A) (R, error)) {
	switch {
	case method == "":
		panic("dispatch: Handle: empty method name")
	case strings.HasPrefix(method, "_"):
		panic(fmt.Sprintf("dispatch: Handle %q: names beginning with _ are never exposed", method))
	case fn == nil:
		panic(fmt.Sprintf("dispatch: Handle %q: nil function", method))
	case e.frozen:
		panic(fmt.Sprintf("dispatch: Handle %q: endpoint already passed to New", method))
	}
	if _, dup := e.methods[method]; dup {
		panic(fmt.Sprintf("dispatch: Handle %q: registered twice on endpoint %+v", method, e.target))
	}
	d := newArgs[A](method)
	e.methods[method] = func(ctx context.Context, raw json.RawMessage) (any, error) {
		var a A
		if err := d.decode(raw, &a); err != nil {
			return nil, err
		}
		return fn(ctx, a)
	}
}
