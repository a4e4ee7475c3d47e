package dispatch

import (
	"context"
	"encoding/json"
	"testing"
)

// BenchmarkDispatch measures the hot path: matching over three endpoints and
// decoding a small args object into a struct, unknown-key check included.
func BenchmarkDispatch(b *testing.B) {
	type args struct {
		Value int    `json:"value"`
		Name  string `json:"name"`
	}
	echo := func(_ context.Context, a args) (int, error) { return a.Value, nil }
	other := NewEndpoint(Target{Namespace: "other"})
	old := NewEndpoint(Target{Version: "1.4"})
	Handle(old, "echo", echo)
	cur := NewEndpoint(Target{Version: "2.5"})
	Handle(cur, "ping", func(context.Context, struct{}) (string, error) { return "pong", nil })
	Handle(cur, "echo", echo)
	d := New(other, old, cur)
	ctx := context.Background()
	benches := []struct {
		name string
		req  Request
	}{
		{"struct args", Request{Version: "2.3", Method: "echo", Args: json.RawMessage(`{"value": 42, "name": "hello"}`)}},
		{"no args", Request{Version: "2.3", Method: "ping"}},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Dispatch(ctx, bb.req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
