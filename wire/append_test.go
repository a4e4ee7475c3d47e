package wire

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"unicode/utf8"
)

// referenceEncodeRequest is EncodeRequest written with encoding/json, as it
// was before the appending encoder: the yardstick for its bytes.
func referenceEncodeRequest(r *Request) ([]byte, error) {
	out := struct {
		Method    string          `json:"method"`
		Args      json.RawMessage `json:"args"`
		Namespace string          `json:"namespace,omitempty"`
		Version   string          `json:"version,omitempty"`
		MsgID     string          `json:"_msg_id,omitempty"`
		ReplyQ    string          `json:"_reply_q,omitempty"`
		Timeout   json.RawMessage `json:"_timeout,omitempty"`
		UniqueID  string          `json:"_unique_id"`
	}{Method: r.Method, Args: r.Args, Namespace: r.Namespace, Version: r.Version,
		MsgID: r.MsgID, ReplyQ: r.ReplyQ, UniqueID: r.UniqueID}
	if out.Args == nil {
		out.Args = json.RawMessage("{}")
	}
	if r.IsCall() {
		out.Timeout = json.RawMessage("null")
		if r.Timeout > 0 {
			out.Timeout = strconv.AppendFloat(nil, r.Timeout, 'g', -1, 64)
		}
	}
	msg, err := marshal(out)
	if err != nil {
		return nil, err
	}
	if len(r.Context) > 0 {
		if msg, err = appendContext(msg, r.Context); err != nil {
			return nil, err
		}
	}
	return referenceSeal(msg), nil
}

func referenceEncodeReply(r *Reply) ([]byte, error) {
	f := struct {
		Result   json.RawMessage `json:"result"`
		Failure  *string         `json:"failure"`
		Ending   bool            `json:"ending"`
		MsgID    string          `json:"_msg_id"`
		UniqueID string          `json:"_unique_id"`
	}{Result: r.Result, Ending: r.Ending, MsgID: r.MsgID, UniqueID: r.UniqueID}
	if r.Failure != nil || f.Result == nil {
		f.Result = json.RawMessage("null")
	}
	if r.Failure != nil {
		b, err := marshal(r.Failure)
		if err != nil {
			return nil, err
		}
		s := string(b)
		f.Failure = &s
	}
	msg, err := marshal(f)
	if err != nil {
		return nil, err
	}
	return referenceSeal(msg), nil
}

func referenceSeal(msg []byte) []byte {
	quoted, _ := marshal(string(msg))
	return append(append([]byte(`{"oslo.version": "2.0", "oslo.message": `), quoted...), '}')
}

// awkward are strings encoding/json escapes in every way it has.
var awkward = []string{
	"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr\bbs\fff", "ctl \x00\x01\x1f\x7f",
	"<html> & ampersand", "héllo wörld ✓ 😀", "sep \u2028 and \u2029", "bad \xff utf-8 \xc3",
}

// TestEncodersMatchEncodingJSON: the appending encoders write exactly the
// bytes encoding/json wrote.
func TestEncodersMatchEncodingJSON(t *testing.T) {
	for _, s := range awkward {
		args := json.RawMessage(`{ "v" : [1, 2.5e3, ` + strconv.Quote("x") + ` ], "s": " a  b " }`)
		for _, r := range []*Request{
			{Method: s, Args: args, UniqueID: "u"},
			{Method: "m", Namespace: s, Version: "2.5", MsgID: s, ReplyQ: "reply_q", UniqueID: s + "u", Timeout: 2.5},
			{Method: "m", Args: json.RawMessage(`{}`), MsgID: "id", ReplyQ: "q", UniqueID: "u"},
			{Method: "m", UniqueID: "u", Context: map[string]any{"user": s, "n": 1}},
		} {
			got, err := EncodeRequest(r)
			want, werr := referenceEncodeRequest(r)
			if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
				t.Errorf("EncodeRequest(%+v):\n got  %s, %v\n want %s, %v", r, got, err, want, werr)
			}
		}
		for _, r := range []*Reply{
			{Result: json.RawMessage(` {"value" : ` + strconv.Quote(s) + `} `), Ending: true, MsgID: s, UniqueID: "u"},
			{Ending: false, MsgID: "m", UniqueID: s + "u"},
			{Result: json.RawMessage(`1`), Failure: &Failure{Class: "E", Message: s, Traceback: []string{s},
				Args: []any{s}, Kwargs: map[string]any{}}, Ending: true, MsgID: "m", UniqueID: "u"},
		} {
			got, err := EncodeReply(r)
			want, werr := referenceEncodeReply(r)
			if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
				t.Errorf("EncodeReply(%+v):\n got  %s, %v\n want %s, %v", r, got, err, want, werr)
			}
		}
	}
	if _, err := EncodeRequest(&Request{Method: "m", Args: json.RawMessage(`{"a":`)}); err == nil {
		t.Error("EncodeRequest with args that are not JSON: got no error")
	}
	if _, err := EncodeReply(&Reply{Result: json.RawMessage(`[1,`), MsgID: "m"}); err == nil {
		t.Error("EncodeReply with a result that is not JSON: got no error")
	}
}

// FuzzEncodeRequestMatchesEncodingJSON: go test -fuzz FuzzEncodeRequestMatchesEncodingJSON ./wire
func FuzzEncodeRequestMatchesEncodingJSON(f *testing.F) {
	for _, s := range awkward {
		f.Add(s, []byte(`{"a": "`+s+`"}`))
	}
	f.Fuzz(func(t *testing.T, s string, args []byte) {
		r := &Request{Method: s, Args: args, MsgID: s, ReplyQ: s, UniqueID: s + "u"}
		got, err := EncodeRequest(r)
		want, werr := referenceEncodeRequest(r)
		if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("EncodeRequest(%+v):\n got  %s, %v\n want %s, %v", r, got, err, want, werr)
		}
		if err == nil {
			back, err := DecodeRequest(got)
			if err == nil && (back.Method != s || back.MsgID != s) && utf8.ValidString(s) {
				t.Fatalf("round trip of %q: got %+v", s, back)
			}
		}
	})
}

// referenceDecodeReply decodes a reply with encoding/json alone, with
// DecodeReply's rules (exact keys, the last duplicate wins, null reads as
// absent).
func referenceDecodeReply(body []byte) (*Reply, bool) {
	msg, err := open(body)
	if err != nil {
		return nil, false
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(msg, &fields) != nil || fields == nil {
		return nil, false
	}
	r := &Reply{}
	ok := true
	if raw, found := fields["result"]; found {
		r.Result = raw
	}
	str := func(key string, dst *string) {
		var v *string
		if raw, found := fields[key]; found && json.Unmarshal(raw, &v) != nil {
			ok = false
		} else if v != nil {
			*dst = *v
		}
	}
	str("_msg_id", &r.MsgID)
	str("_unique_id", &r.UniqueID)
	var failure string
	str("failure", &failure)
	var ending *bool
	if raw, found := fields["ending"]; found && json.Unmarshal(raw, &ending) != nil {
		ok = false
	} else if ending != nil {
		r.Ending = *ending
	}
	if !ok || r.MsgID == "" {
		return nil, false
	}
	if failure != "" {
		r.Failure = new(Failure)
		if json.Unmarshal([]byte(failure), r.Failure) != nil {
			return nil, false
		}
	}
	return r, true
}

// FuzzDecodeReplyMatchesEncodingJSON: go test -fuzz FuzzDecodeReplyMatchesEncodingJSON ./wire
func FuzzDecodeReplyMatchesEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`{"oslo.version": "2.0", "oslo.message": "{\"result\": {\"a\": [1, \"x\"]}, \"failure\": null, \"ending\": true, \"_msg_id\": \"m\", \"_unique_id\": \"u\"}"}`,
		`{"oslo.version": "2.0", "oslo.message": "{\"_msg_id\": \"m\", \"_msg_id\": null, \"ending\": 1}"}`,
		`{"oslo.version": "2.0", "oslo.message": "{\"_msg_id\": \"m\", \"failure\": \"{\\\"class\\\": \\\"E\\\"}\"}"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := DecodeReply(body)
		want, ok := referenceDecodeReply(body)
		if (err == nil) != ok {
			t.Fatalf("DecodeReply(%q): error %v, encoding/json ok %v", body, err, ok)
		}
		if ok && !(bytes.Equal(bytes.TrimSpace(got.Result), bytes.TrimSpace(want.Result)) &&
			got.MsgID == want.MsgID && got.UniqueID == want.UniqueID && got.Ending == want.Ending &&
			reflect.DeepEqual(got.Failure, want.Failure)) {
			t.Fatalf("DecodeReply(%q):\n got  %+v\n want %+v", body, got, want)
		}
	})
}
