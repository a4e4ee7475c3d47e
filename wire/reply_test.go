package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestReplyRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		reply Reply
	}{
		{"result", Reply{Result: json.RawMessage(`{"value":42}`), Ending: true, MsgID: "m", UniqueID: "u"}},
		{"null result", Reply{Result: json.RawMessage(`null`), Ending: true, MsgID: "m", UniqueID: "u"}},
		{"heartbeat", Reply{Result: json.RawMessage(`null`), Ending: false, MsgID: "m", UniqueID: "u"}},
		{"failure", Reply{Result: json.RawMessage(`null`), Ending: true, MsgID: "m", UniqueID: "u",
			Failure: &Failure{Class: "NoSuchMethod", Module: "oslo_messaging.rpc.dispatcher",
				Message: "Endpoint does not support RPC method nope", Traceback: []string{},
				Args: []any{"Endpoint does not support RPC method nope"}, Kwargs: map[string]any{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := EncodeReply(&tt.reply)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeReply(body)
			if err != nil {
				t.Fatalf("DecodeReply(%s): %v", body, err)
			}
			if !reflect.DeepEqual(*got, tt.reply) {
				t.Errorf("got %+v, want %+v", *got, tt.reply)
			}
		})
	}
}

// TestReplyFailureFromOslo decodes a failure reply as oslo.messaging 14 sends it.
func TestReplyFailureFromOslo(t *testing.T) {
	body := []byte(`{"oslo.version": "2.0", "oslo.message": "{\"result\": null, \"failure\": \"{\\\"class\\\": \\\"ValueError\\\", \\\"module\\\": \\\"builtins\\\", \\\"message\\\": \\\"boom\\\", \\\"tb\\\": [\\\"Traceback\\\"], \\\"args\\\": [\\\"boom\\\"], \\\"kwargs\\\": {}}\", \"ending\": true, \"_msg_id\": \"m1\", \"_unique_id\": \"u1\"}"}`)
	got, err := DecodeReply(body)
	if err != nil {
		t.Fatal(err)
	}
	want := &Failure{Class: "ValueError", Module: "builtins", Message: "boom",
		Traceback: []string{"Traceback"}, Args: []any{"boom"}, Kwargs: map[string]any{}}
	if !got.Ending || got.MsgID != "m1" || !reflect.DeepEqual(got.Failure, want) {
		t.Errorf("got %+v failure %+v, want ending reply m1 with %+v", got, got.Failure, want)
	}
}

func TestDecodeReplyErrors(t *testing.T) {
	tests := []struct{ name, body string }{
		{"no msg id", `{"oslo.version": "2.0", "oslo.message": "{\"result\": 1}"}`},
		{"failure not json", `{"oslo.version": "2.0", "oslo.message": "{\"_msg_id\": \"m\", \"failure\": \"{oops\"}"}`},
		{"not json", `{`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeReply([]byte(tt.body)); !errors.Is(err, ErrMalformed) {
				t.Errorf("got %v, want ErrMalformed", err)
			}
		})
	}
}
