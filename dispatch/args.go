package dispatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"sync"
	"sync/atomic"
)

// maxKnownKeys bounds the cache of accepted keys: case variants of field
// names could otherwise grow it without limit. Past it, keys are still
// checked, only not remembered.
const maxKnownKeys = 256

// args decodes a request's args object into A.
//
// Decoding is json.Unmarshal, so A gets encoding/json's rules (tags, case-
// insensitive names, UnmarshalJSON). When A is a struct (or a pointer to one)
// a key that names no field is rejected, as Python rejects an unexpected
// keyword argument; only the top level is checked, as for kwargs, so nested
// objects follow plain encoding/json. A json.Decoder with
// DisallowUnknownFields would check every level and roughly double the cost
// of a call (about 0.7µs and 750 B per small request), so instead each key is
// tested once against A with encoding/json itself and cached.
type args[A any] struct {
	method string
	strict bool

	mu    sync.Mutex                          // serialises cache writers
	known atomic.Pointer[map[string]struct{}] // quoted keys A accepts; copy on write
}

func newArgs[A any](method string) *args[A] {
	t := reflect.TypeFor[A]()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return &args[A]{method: method, strict: t.Kind() == reflect.Struct}
}

// decode fills a from raw; nil or empty raw means {}.
func (d *args[A]) decode(raw json.RawMessage, a *A) error {
	if len(raw) == 0 {
		return nil
	}
	if i := skipSpace(raw, 0); i == len(raw) || raw[i] != '{' {
		return d.bad("args must be a JSON object, not "+jsonKind(raw[i:]), nil)
	}
	if err := json.Unmarshal(raw, a); err != nil {
		return d.bad("got bad arguments: "+err.Error(), err)
	}
	if !d.strict {
		return nil
	}
	for i := firstKey(raw); raw[i] != '}'; {
		var key []byte
		key, i = nextKey(raw, i)
		if !d.accepts(key) {
			var name string
			_ = json.Unmarshal(key, &name) // key is a valid JSON string
			return d.bad(fmt.Sprintf("got an unexpected keyword argument '%s'", name), nil)
		}
	}
	return nil
}

// accepts reports whether the quoted key names a field of A.
func (d *args[A]) accepts(key []byte) bool {
	if m := d.known.Load(); m != nil {
		if _, ok := (*m)[string(key)]; ok {
			return true
		}
	}
	if !probe[A](key) {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.known.Load()
	if old != nil && len(*old) >= maxKnownKeys {
		return true
	}
	m := map[string]struct{}{}
	if old != nil {
		m = maps.Clone(*old)
	}
	m[string(key)] = struct{}{}
	d.known.Store(&m)
	return true
}

// probe asks encoding/json whether key names a field of A, by decoding
// {key: null} with and without DisallowUnknownFields: a lenient failure means
// the key reached a field (whose type refused null), a strict failure alone
// means it is unknown. Run once per new key, it follows every rule of
// encoding/json (tags, case folding, embedded structs) without copying them.
func probe[A any](key []byte) bool {
	obj := make([]byte, 0, len(key)+7)
	obj = append(append(append(obj, '{'), key...), ":null}"...)
	var lenient, strict A
	if json.Unmarshal(obj, &lenient) != nil {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.DisallowUnknownFields()
	return dec.Decode(&strict) == nil
}

// bad is the TypeError a Python server raises for unusable kwargs.
func (d *args[A]) bad(msg string, err error) *Error {
	msg = d.method + "() " + msg
	cause := fmt.Errorf("%w: %s", ErrBadArguments, msg)
	if err != nil {
		cause = fmt.Errorf("%w: %s: %w", ErrBadArguments, d.method, err)
	}
	return newError(BuiltinsModule, "TypeError", msg, cause)
}

// jsonKind names the JSON type of the value starting b, for the
// not-an-object message.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "empty"
	}
	switch b[0] {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "number"
	}
	return "invalid JSON"
}
