package bench

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/brokertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) // ants' default pool
}

// benchWorkloads are the work specs the benchmarks run, with the fewest
// messages a run takes: one message is too few to measure anything, and
// sleeping work needs fewer to stay quick with the blocking executor.
var benchWorkloads = []struct {
	work string
	min  int
}{
	{"0", 2000},
	{"cpu:20us", 500},
	{"mix:90%0,10%sleep:1ms", 300},
}

// transports runs fn for the embedded bus, and for RabbitMQ when a broker
// answers (brokertest skips that sub-benchmark otherwise).
func transports(b *testing.B, fn func(b *testing.B, url string)) {
	b.Run("memory", func(b *testing.B) { fn(b, "memory://") })
	b.Run("rabbit", func(b *testing.B) { fn(b, brokertest.URL(b)) })
}

// measure runs w with b.N messages (at least min) and reports per message:
// Run's own clock and allocation counts replace the benchmark's, which
// would include setting up servers and filling queues.
func measure(b *testing.B, w Workload, min int) {
	b.ReportAllocs()
	w.Messages = max(b.N, min)
	r, err := Run(b.Context(), w)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.MsgsPerSec, "msgs/s")
	b.ReportMetric(float64(r.Elapsed.Nanoseconds())/float64(r.Messages), "ns/op")
	b.ReportMetric(r.AllocsPerMsg, "allocs/op")
	b.ReportMetric(r.BytesPerMsg, "B/op")
	b.ReportMetric(float64(r.P99.Microseconds()), "p99-µs")
}

// BenchmarkServerPath measures the whole server path (poll, decode,
// executor, dispatch, ack) for each executor: the queue is filled first
// and the clock runs from the servers' start to the last message handled.
func BenchmarkServerPath(b *testing.B) {
	transports(b, func(b *testing.B, url string) {
		for _, name := range executor.Names() {
			for _, wl := range benchWorkloads {
				b.Run(name+"/work="+wl.work, func(b *testing.B) {
					measure(b, Workload{URL: url, Executor: name, Prefill: true, Work: mustWork(b, wl.work)}, wl.min)
				})
			}
		}
	})
}

// BenchmarkEndToEnd measures casts and calls with publishers running
// alongside the servers, the window of outstanding messages bounded.
func BenchmarkEndToEnd(b *testing.B) {
	transports(b, func(b *testing.B, url string) {
		for _, mode := range []string{Cast, Call} {
			for _, name := range executor.Names() {
				for _, wl := range benchWorkloads {
					b.Run(mode+"/"+name+"/work="+wl.work, func(b *testing.B) {
						measure(b, Workload{URL: url, Mode: mode, Executor: name, Work: mustWork(b, wl.work)}, wl.min)
					})
				}
			}
		}
	})
}
