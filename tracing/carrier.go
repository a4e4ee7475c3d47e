package tracing

import (
	"maps"
	"slices"

	"github.com/rpcexec/rpcexec/dispatch"
)

// carrier is a caller context as a propagation.TextMapCarrier: the trace
// context's fields are its keys, sent as _context_<key>.
type carrier dispatch.CallerContext

// Get returns the text of key, or "" when it is missing or not text.
func (c carrier) Get(key string) string {
	s, _ := c[key].(string)
	return s
}

// Set writes key.
func (c carrier) Set(key, value string) { c[key] = value }

// Keys lists the keys, sorted.
func (c carrier) Keys() []string { return slices.Sorted(maps.Keys(c)) }
