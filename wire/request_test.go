package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestRequestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		req  Request
	}{
		{"cast", Request{Method: "ping", Args: json.RawMessage(`{"n":1}`), UniqueID: "u1"}},
		{"call", Request{Method: "echo", Args: json.RawMessage(`{"value":"é<>"}`), Namespace: "control",
			Version: "2.5", MsgID: "m1", ReplyQ: "reply_q", Timeout: 1.5, UniqueID: "u2"}},
		{"context", Request{Method: "echo", Args: json.RawMessage(`{}`), UniqueID: "u3",
			Context: map[string]any{"request_id": "req-1", "roles": []any{"admin"}, "is_admin": true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := EncodeRequest(&tt.req)
			if err != nil {
				t.Fatalf("EncodeRequest: %v", err)
			}
			got, err := DecodeRequest(body)
			if err != nil {
				t.Fatalf("DecodeRequest(%s): %v", body, err)
			}
			if !reflect.DeepEqual(*got, tt.req) {
				t.Errorf("round trip: got %+v, want %+v", *got, tt.req)
			}
		})
	}
}

// TestRequestFromOslo decodes a body as oslo.messaging 14 sends it (captured
// from an oslo RPCClient.call with a RequestContext).
func TestRequestFromOslo(t *testing.T) {
	body := []byte(`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"echo\", \"args\": {\"value\": 42}, \"namespace\": \"control\", \"version\": \"2.5\", \"_msg_id\": \"9f1c\", \"_reply_q\": \"reply_5b8e\", \"_timeout\": null, \"_unique_id\": \"0e1d\", \"_context_request_id\": \"req-3d2f\", \"_context_user_id\": \"u-1\"}"}`)
	got, err := DecodeRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	want := Request{Method: "echo", Args: json.RawMessage(`{"value": 42}`), Namespace: "control", Version: "2.5",
		MsgID: "9f1c", ReplyQ: "reply_5b8e", UniqueID: "0e1d",
		Context: map[string]any{"request_id": "req-3d2f", "user_id": "u-1"}}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("got %+v, want %+v", *got, want)
	}
}

func TestEncodeCallSendsNullTimeout(t *testing.T) {
	body, err := EncodeRequest(&Request{Method: "m", MsgID: "id", ReplyQ: "q"})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := open(body)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(inner, &fields); err != nil {
		t.Fatal(err)
	}
	if v, ok := fields["_timeout"]; !ok || v != nil {
		t.Errorf("_timeout: got %v (present %v), want null", v, ok)
	}
	if fields["args"] == nil || fields["_unique_id"] == "" {
		t.Errorf("got %v, want args {} and a generated _unique_id", fields)
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	inner := func(msg string) string {
		b, _ := json.Marshal(msg)
		return `{"oslo.version": "2.0", "oslo.message": ` + string(b) + `}`
	}
	tests := []struct {
		name      string
		body      string
		want      error
		reason    string
		replyable bool // the error leaves enough to answer the caller
	}{
		{"not json", `hello`, ErrMalformed, "not a JSON object", false},
		{"truncated", `{"oslo.version": "2.0", "oslo.mess`, ErrMalformed, "not a JSON object", false},
		{"not utf-8", "{\"oslo.version\": \"2.0\", \"oslo.message\": \"\xff\"}", ErrMalformed, "UTF-8", false},
		{"no envelope", `{"method": "echo"}`, ErrMalformed, "envelope", false},
		{"envelope 1.0", `{"oslo.version": "1.0", "oslo.message": "{}"}`, ErrEnvelopeVersion, `got "1.0"`, false},
		{"envelope 2.1", `{"oslo.version": "2.1", "oslo.message": "{}"}`, ErrEnvelopeVersion, `got "2.1"`, false},
		{"inner not json", inner(`{"method": `), ErrMalformed, "not a JSON object", false},
		{"no method", inner(`{"args": {}, "_msg_id": "m", "_reply_q": "q"}`), ErrMalformed, "no method", true},
		{"method not string", inner(`{"method": 5, "_msg_id": "m", "_reply_q": "q"}`), ErrMalformed, "string", true},
		{"args list", inner(`{"method": "echo", "args": [1], "_msg_id": "m", "_reply_q": "q"}`), ErrMalformed, "must be a JSON object", true},
		{"args string", inner(`{"method": "echo", "args": "x"}`), ErrMalformed, "must be a JSON object", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeRequest([]byte(tt.body))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not say %q", err, tt.reason)
			}
			if got := r != nil && r.IsCall(); got != tt.replyable {
				t.Errorf("replyable: got %v, want %v (request %+v)", got, tt.replyable, r)
			}
		})
	}
}

func TestNewIDIsUUID4Hex(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		id := NewID()
		if len(id) != 32 || id[12] != '4' || !strings.ContainsRune("89ab", rune(id[16])) {
			t.Fatalf("got %q, want 32 hex digits of a UUID4", id)
		}
		if seen[id] {
			t.Fatalf("got %q twice", id)
		}
		seen[id] = true
	}
}
