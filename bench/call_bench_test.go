package bench

import (
	"fmt"
	"testing"
)

// BenchmarkCall measures calls end to end, client and server together,
// for the baseline (on RabbitMQ the raw amqp091-go request/reply) and each
// executor, with one caller and with sixteen.
func BenchmarkCall(b *testing.B) {
	transports(b, func(b *testing.B, url string) {
		for _, callers := range []int{1, 16} {
			for _, name := range strategies() {
				b.Run(fmt.Sprintf("callers=%d/%s", callers, name), func(b *testing.B) {
					measure(b, Workload{URL: url, Mode: Call, Publishers: callers, Executor: name}, 500)
				})
			}
		}
	})
}
