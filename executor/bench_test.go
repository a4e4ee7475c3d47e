package executor_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/executor"
)

// BenchmarkSubmit measures the hot path as the listener loop drives it: one
// goroutine submitting tiny tasks, with the default bounds.
func BenchmarkSubmit(b *testing.B) {
	for _, name := range executor.Names() {
		b.Run(name, func(b *testing.B) {
			e, err := executor.New(name)
			if err != nil {
				b.Fatalf("New(%q): got %v, want nil", name, err)
			}
			var ran atomic.Int64
			task := func() { ran.Add(1) }
			ctx := context.Background()
			b.ReportAllocs()
			begin := time.Now()
			for b.Loop() {
				if err := e.Submit(ctx, task); err != nil {
					b.Fatalf("Submit: got %v, want nil", err)
				}
			}
			if err := e.Shutdown(ctx); err != nil {
				b.Fatalf("Shutdown: got %v, want nil", err)
			}
			b.ReportMetric(float64(ran.Load())/time.Since(begin).Seconds(), "msgs/s")
		})
	}
}
