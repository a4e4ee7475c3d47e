package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
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

// DecodeRequest decodes a request body (envelope included). When the error
// comes after the routing fields could be read, the returned Request is not
// nil and carries MsgID and ReplyQ, so the server can still send the caller an
// error reply instead of leaving it to time out.
func DecodeRequest(body []byte) (*Request, error) {
	r, fieldErr, err := decode(body, false)
	switch {
	case r == nil:
		return nil, err
	case err != nil:
		return r.routing(), err
	case fieldErr != nil:
		return r.routing(), fmt.Errorf("%w: %v", ErrMalformed, fieldErr)
	}
	return r, r.check()
}

// DecodeRouting reads only what answering the caller needs: _msg_id,
// _reply_q and _unique_id, skipping the rest without decoding it. It is for
// messages refused before decoding, such as those over the size limit.
// Fields read before an error are returned with it.
func DecodeRouting(body []byte) (*Request, error) {
	r, _, err := decode(body, true)
	if r != nil {
		r = r.routing()
	}
	return r, err
}

// decode scans a request; routingOnly skips all but the routing fields.
// fieldErr is the first field of the wrong type (decoding goes on past it);
// err is a body that is not a request at all, with r nil when not even
// the envelope could be opened.
func decode(body []byte, routingOnly bool) (r *Request, fieldErr, err error) {
	msg, err := open(body)
	if err != nil {
		return nil, nil, err
	}
	r = &Request{}
	s := scanner{b: msg}
	err = s.object(func(key []byte) error {
		switch string(key) {
		case "_msg_id":
			return s.stringField(&r.MsgID, "_msg_id", &fieldErr)
		case "_reply_q":
			return s.stringField(&r.ReplyQ, "_reply_q", &fieldErr)
		case "_unique_id":
			return s.stringField(&r.UniqueID, "_unique_id", &fieldErr)
		}
		if routingOnly {
			return s.skip(0)
		}
		switch string(key) {
		case "method":
			return s.stringField(&r.Method, "method", &fieldErr)
		case "namespace":
			return s.stringField(&r.Namespace, "namespace", &fieldErr)
		case "version":
			return s.stringField(&r.Version, "version", &fieldErr)
		case "_timeout":
			return s.timeoutField(&r.Timeout, &fieldErr)
		case "args":
			raw, err := s.raw()
			r.Args = raw
			return err
		}
		if name, ok := bytes.CutPrefix(key, []byte(contextPrefix)); ok {
			return s.contextField(r, string(name))
		}
		return s.skip(0)
	})
	if err == nil {
		err = s.end()
	}
	if err != nil {
		err = fmt.Errorf("%w: message is not a JSON object: %v", ErrMalformed, err)
	}
	return r, fieldErr, err
}

// routing keeps what answering the caller needs of a request that could
// not be decoded: the fields read before the error.
func (r *Request) routing() *Request {
	return &Request{MsgID: r.MsgID, ReplyQ: r.ReplyQ, UniqueID: r.UniqueID}
}

// check applies the rules of a request to the decoded fields.
func (r *Request) check() error {
	if r.Method == "" {
		return fmt.Errorf("%w: request has no method", ErrMalformed)
	}
	if string(r.Args) == "null" {
		r.Args = nil
	}
	if len(r.Args) > 0 && r.Args[0] != '{' {
		return fmt.Errorf("%w: args of %q must be a JSON object, got %.40s", ErrMalformed, r.Method, r.Args)
	}
	return nil
}

// stringField reads a string or null (read as "") into dst.
func (s *scanner) stringField(dst *string, key string, fieldErr *error) (err error) {
	switch s.peek() {
	case '"':
		*dst, err = s.str()
		return err
	case 'n':
		*dst = ""
		return s.literal("null")
	}
	if *fieldErr == nil {
		*fieldErr = fmt.Errorf("%q must be a string", key)
	}
	return s.skip(0)
}

// timeoutField reads _timeout: seconds, or null for none.
func (s *scanner) timeoutField(dst *float64, fieldErr *error) error {
	switch c := s.peek(); {
	case c == '-' || c >= '0' && c <= '9':
		f, err := s.float()
		if errors.Is(err, errSyntax) {
			return err
		}
		if err != nil && *fieldErr == nil {
			*fieldErr = fmt.Errorf("%q: %v", "_timeout", err)
		}
		*dst = f
		return nil
	case c == 'n':
		*dst = 0
		return s.literal("null")
	}
	if *fieldErr == nil {
		*fieldErr = fmt.Errorf("%q must be a number of seconds or null", "_timeout")
	}
	return s.skip(0)
}

// contextField reads one _context_<name> value; only requests that carry a
// context pay for decoding one.
func (s *scanner) contextField(r *Request, name string) error {
	raw, err := s.raw()
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	if r.Context == nil {
		r.Context = make(map[string]any)
	}
	r.Context[name] = v
	return nil
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
