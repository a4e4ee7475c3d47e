package wire

import (
	"encoding/json"
	"testing"
)

func BenchmarkDecodeRequest(b *testing.B) {
	body, err := EncodeRequest(&Request{Method: "echo", Args: json.RawMessage(`{"value":42}`),
		Namespace: "control", Version: "2.5", MsgID: NewID(), ReplyQ: "reply_" + NewID(),
		Context: map[string]any{"request_id": "req-1", "user_id": "u-1"}})
	if err != nil {
		b.Fatal(err)
	}
	for _, bench := range []struct {
		name   string
		decode func([]byte) (*Request, error)
	}{{"scanner", DecodeRequest}, {"encoding-json", referenceDecode}} {
		b.Run(bench.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := bench.decode(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
