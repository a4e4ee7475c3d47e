package dispatch

import (
	"context"
	"encoding/json"
)

// Request is what Dispatch needs of a decoded RPC message. Namespace and
// Version are "" when the message has none; Args is the raw "args" object,
// nil or empty meaning {}.
type Request struct {
	Namespace, Version, Method string
	Args                       json.RawMessage
}

// CallerContext is the caller's request context that oslo.messaging sends as
// "_context_<key>" fields next to the method (request_id, user_id,
// project_id, ...), keyed here without the "_context_" prefix. The wire layer
// fills it on receipt and sends it on a call, so a Go service can read and
// propagate it the way oslo.context does.
type CallerContext map[string]any

// callerContextKey is the context.Context key of the CallerContext.
type callerContextKey struct{}

// NewContext returns a copy of ctx carrying cc.
func NewContext(ctx context.Context, cc CallerContext) context.Context {
	return context.WithValue(ctx, callerContextKey{}, cc)
}

// FromContext returns the CallerContext in ctx, or nil when there is none
// (also for a nil ctx); reading a nil CallerContext is safe.
func FromContext(ctx context.Context) CallerContext {
	if ctx == nil {
		return nil
	}
	cc, _ := ctx.Value(callerContextKey{}).(CallerContext)
	return cc
}

// RequestID returns the caller's request_id (e.g. "req-3d2f…"), the key
// OpenStack logs correlate on, or "" when it is absent or not a string.
func (cc CallerContext) RequestID() string {
	id, _ := cc["request_id"].(string)
	return id
}
