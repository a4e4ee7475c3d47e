package wire

import (
	"errors"
	"testing"
)

// FuzzDecodeRequest checks that no input crashes the decoder, that every
// error is one of the documented kinds, and that what decodes re-encodes to
// the same request. Run with: go test -fuzz FuzzDecodeRequest ./wire
func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{
		`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"echo\", \"args\": {\"value\": 42}, \"_msg_id\": \"m\", \"_reply_q\": \"q\", \"_timeout\": 2.5, \"_unique_id\": \"u\", \"_context_user\": \"u-1\"}"}`,
		`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"ping\", \"namespace\": \"ns\", \"version\": \"1.3\"}"}`,
		`{"oslo.version": "1.0", "oslo.message": "{}"}`,
		`{"oslo.version": "2.0", "oslo.message": "{\"method\": 5}"}`,
		`not json`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := DecodeRequest(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrEnvelopeVersion) {
				t.Fatalf("undocumented error kind: %v", err)
			}
			return
		}
		again, err := EncodeRequest(r)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", r, err)
		}
		r2, err := DecodeRequest(again)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", again, err)
		}
		if r2.Method != r.Method || r2.MsgID != r.MsgID || (r.UniqueID != "" && r2.UniqueID != r.UniqueID) || len(r2.Context) != len(r.Context) {
			t.Fatalf("round trip changed the request: %+v became %+v", r, r2)
		}
	})
}
