package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// referenceDecode decodes a request with encoding/json alone, with the same
// rules as DecodeRequest: exact keys, the last duplicate wins, null reads as
// absent. It is slow and obviously right, the yardstick for the scanner.
func referenceDecode(body []byte) (*Request, error) {
	if !utf8.Valid(body) {
		return nil, ErrMalformed
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil || env == nil {
		return nil, ErrMalformed
	}
	var version, msg *string
	if json.Unmarshal(env["oslo.version"], &version) != nil && env["oslo.version"] != nil ||
		json.Unmarshal(env["oslo.message"], &msg) != nil && env["oslo.message"] != nil {
		return nil, ErrMalformed
	}
	if version == nil || msg == nil {
		return nil, ErrMalformed
	}
	if *version != "2.0" && *version != "2" {
		return nil, ErrEnvelopeVersion
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(*msg), &fields); err != nil || fields == nil {
		return nil, errInnerSyntax
	}
	r := &Request{}
	var typeErr bool
	str := func(key string, dst *string) {
		var v *string
		if raw, ok := fields[key]; ok && json.Unmarshal(raw, &v) != nil {
			typeErr = true
		} else if v != nil {
			*dst = *v
		}
	}
	str("method", &r.Method)
	str("namespace", &r.Namespace)
	str("version", &r.Version)
	str("_msg_id", &r.MsgID)
	str("_reply_q", &r.ReplyQ)
	str("_unique_id", &r.UniqueID)
	var timeout *float64
	if raw, ok := fields["_timeout"]; ok && json.Unmarshal(raw, &timeout) != nil {
		typeErr = true
	} else if timeout != nil {
		r.Timeout = *timeout
	}
	if raw, ok := fields["args"]; ok {
		r.Args = bytes.TrimSpace(raw)
	}
	for k, raw := range fields {
		if name, ok := strings.CutPrefix(k, contextPrefix); ok {
			var v any
			json.Unmarshal(raw, &v)
			if r.Context == nil {
				r.Context = make(map[string]any)
			}
			r.Context[name] = v
		}
	}
	if typeErr {
		return &Request{MsgID: r.MsgID, ReplyQ: r.ReplyQ, UniqueID: r.UniqueID}, ErrMalformed
	}
	return r, r.check()
}

// errInnerSyntax marks a reference error in the message inside the envelope.
var errInnerSyntax = fmt.Errorf("%w: inner message", ErrMalformed)

// FuzzDecodeMatchesEncodingJSON holds DecodeRequest to what encoding/json
// reads from the same bytes. Run with:
// go test -fuzz FuzzDecodeMatchesEncodingJSON ./wire
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"echo\", \"args\": {\"v\": [1, 2.5e3, \"\\u00e9\"]}, \"_msg_id\": \"m\", \"_reply_q\": \"q\", \"_timeout\": 2.5, \"_unique_id\": \"u\", \"_context_user\": {\"a\": null}}"}`,
		`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"a\", \"method\": null, \"namespace\": 1}"}`,
		`{"oslo.message": "{\"method\": \"\\ud83d\\ude00 \\ud800 x\"}", "oslo.version": "2", "x": [true, false, {}]}`,
		`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"m\", \"_timeout\": 1e400}"}`,
		`{"oslo.version": "2.0", "oslo.message": null}`,
		` {"oslo.version":"2.0","oslo.message":"{}"} x`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, gotErr := DecodeRequest(body)
		want, wantErr := referenceDecode(body)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("DecodeRequest(%q): error %v, encoding/json: error %v", body, gotErr, wantErr)
		}
		for _, sentinel := range []error{ErrMalformed, ErrEnvelopeVersion} {
			if errors.Is(wantErr, sentinel) != errors.Is(gotErr, sentinel) {
				t.Fatalf("DecodeRequest(%q): error %v, encoding/json: error %v", body, gotErr, wantErr)
			}
		}
		if errors.Is(wantErr, errInnerSyntax) {
			// DecodeRequest keeps the routing fields read before the error;
			// encoding/json cannot say which those were.
			if got == nil || got.Method != "" || got.Args != nil || got.Context != nil || got.Timeout != 0 {
				t.Fatalf("DecodeRequest(%q) = %+v, want the routing fields only", body, got)
			}
			return
		}
		if (got == nil) != (want == nil) {
			t.Fatalf("DecodeRequest(%q) = %+v, encoding/json: %+v", body, got, want)
		}
		if got != nil && !reflect.DeepEqual(*got, *want) {
			t.Fatalf("DecodeRequest(%q):\n got  %+v\n want %+v", body, *got, *want)
		}
	})
}
