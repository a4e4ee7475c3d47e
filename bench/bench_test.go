package bench

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec/executor"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) // ants' default pool
}

// BenchmarkServerPath measures the whole server path on the embedded bus
// (poll, decode, executor, dispatch, ack) for each executor, zero work.
func BenchmarkServerPath(b *testing.B) {
	for _, name := range executor.Names() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			r, err := Run(context.Background(), Workload{Executor: name, Messages: max(b.N, 1000)})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(r.MsgsPerSec, "msgs/s")
		})
	}
}
