package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// contextPrefix marks a field of the caller's context (oslo's pack_context).
const contextPrefix = "_context_"

// Request is an RPC request: a call when MsgID is set, a cast otherwise.
type Request struct {
	Method    string
	Args      json.RawMessage // a JSON object; nil is sent as {}
	Namespace string          // "" is oslo's null namespace and is not sent
	Version   string          // "" is not sent; the server reads it as "1.0"
	MsgID     string          // the caller's key for the reply (calls only)
	ReplyQ    string          // the queue the reply goes to (calls only)
	Timeout   float64         // call-monitor timeout in seconds; 0 for none
	UniqueID  string          // deduplication key, fresh per message
	Context   map[string]any  // the caller's context, sent as _context_<key>
}

// IsCall reports whether the sender waits for a reply.
func (r *Request) IsCall() bool { return r.MsgID != "" && r.ReplyQ != "" }

type requestFields struct {
	Method    *string         `json:"method"`
	Args      json.RawMessage `json:"args"`
	Namespace *string         `json:"namespace"`
	Version   *string         `json:"version"`
	MsgID     string          `json:"_msg_id"`
	ReplyQ    string          `json:"_reply_q"`
	Timeout   *float64        `json:"_timeout"`
	UniqueID  string          `json:"_unique_id"`
}

// DecodeRequest decodes a request body (envelope included). When the error
// comes after the routing fields could be read, the returned Request is not
// nil and carries MsgID and ReplyQ, so the server can still send the caller an
// error reply instead of leaving it to time out.
func DecodeRequest(body []byte) (*Request, error) {
	msg, err := Open(body)
	if err != nil {
		return nil, err
	}
	var f requestFields
	if err := json.Unmarshal(msg, &f); err != nil {
		if _, isType := err.(*json.UnmarshalTypeError); !isType {
			return nil, fmt.Errorf("%w: message is not a JSON object: %v", ErrMalformed, err)
		}
		return routingOnly(f), fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	r := &Request{
		Args: f.Args, MsgID: f.MsgID, ReplyQ: f.ReplyQ, UniqueID: f.UniqueID,
		Namespace: deref(f.Namespace), Version: deref(f.Version),
	}
	if f.Timeout != nil {
		r.Timeout = *f.Timeout
	}
	if f.Method == nil || *f.Method == "" {
		return r, fmt.Errorf("%w: request has no method", ErrMalformed)
	}
	r.Method = *f.Method
	if a := bytes.TrimSpace(r.Args); len(a) == 0 || string(a) == "null" {
		r.Args = nil
	} else if a[0] != '{' {
		return r, fmt.Errorf("%w: args of %q must be a JSON object, got %.40s", ErrMalformed, r.Method, a)
	}
	if bytes.Contains(msg, []byte(`"`+contextPrefix)) {
		if r.Context, err = decodeContext(msg); err != nil {
			return r, err
		}
	}
	return r, nil
}

func routingOnly(f requestFields) *Request {
	return &Request{MsgID: f.MsgID, ReplyQ: f.ReplyQ, UniqueID: f.UniqueID}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// decodeContext collects the _context_<key> fields of msg. It is a second
// pass, taken only when the message has such fields, so that requests without
// a context decode into a fixed struct alone.
func decodeContext(msg []byte) (map[string]any, error) {
	var all map[string]any
	if err := json.Unmarshal(msg, &all); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	ctx := make(map[string]any)
	for k, v := range all {
		if key, ok := strings.CutPrefix(k, contextPrefix); ok {
			ctx[key] = v
		}
	}
	return ctx, nil
}

type requestOut struct {
	Method    string          `json:"method"`
	Args      json.RawMessage `json:"args"`
	Namespace string          `json:"namespace,omitempty"`
	Version   string          `json:"version,omitempty"`
	MsgID     string          `json:"_msg_id,omitempty"`
	ReplyQ    string          `json:"_reply_q,omitempty"`
	Timeout   json.RawMessage `json:"_timeout,omitempty"` // null on calls, absent on casts
	UniqueID  string          `json:"_unique_id"`
}

// EncodeRequest encodes r with its envelope. A UniqueID is generated when r
// has none.
func EncodeRequest(r *Request) ([]byte, error) {
	out := requestOut{
		Method: r.Method, Args: r.Args, Namespace: r.Namespace, Version: r.Version,
		MsgID: r.MsgID, ReplyQ: r.ReplyQ, UniqueID: r.UniqueID,
	}
	if out.Args == nil {
		out.Args = json.RawMessage("{}")
	}
	if out.UniqueID == "" {
		out.UniqueID = NewID()
	}
	if r.IsCall() {
		out.Timeout = json.RawMessage("null")
		if r.Timeout > 0 {
			out.Timeout = strconv.AppendFloat(nil, r.Timeout, 'g', -1, 64)
		}
	}
	msg, err := marshal(out)
	if err != nil {
		return nil, fmt.Errorf("wire: encoding request %q: %w", r.Method, err)
	}
	if len(r.Context) > 0 {
		if msg, err = appendContext(msg, r.Context); err != nil {
			return nil, fmt.Errorf("wire: encoding context of %q: %w", r.Method, err)
		}
	}
	return Seal(msg), nil
}

// appendContext adds the context's fields, in key order, before the closing
// brace of the JSON object msg.
func appendContext(msg []byte, ctx map[string]any) ([]byte, error) {
	msg = msg[:len(msg)-1]
	for _, k := range slices.Sorted(maps.Keys(ctx)) {
		key, _ := marshal(contextPrefix + k)
		v, err := marshal(ctx[k])
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		msg = append(append(append(append(msg, ','), key...), ':'), v...)
	}
	return append(msg, '}'), nil
}
