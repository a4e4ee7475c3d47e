package bench

import (
	"sync"
	"sync/atomic"
	"time"
)

// CPU work is a calibrated number of loop iterations, not a spin on the
// clock: a handler that is descheduled mid-spin would otherwise count the
// time it did not run as work done, and cpu:D would cost less than D on a
// busy machine, flattering the strategies that oversubscribe the CPUs.

var (
	calibrateOnce sync.Once
	itersPerUs    float64
	sink          atomic.Uint64 // keeps the loop from being optimised away
)

// Calibrate measures the loop once per process; Run calls it before its
// clock starts so the first message does not pay for it.
func Calibrate() {
	calibrateOnce.Do(func() {
		const n = 200_000
		best := time.Duration(1<<63 - 1)
		for range 5 {
			start := time.Now()
			spin(n)
			best = min(best, time.Since(start))
		}
		itersPerUs = float64(n) / max(float64(best)/float64(time.Microsecond), 1e-3)
	})
}

// burn does about d of work on one CPU.
func burn(d time.Duration) {
	Calibrate()
	spin(uint64(itersPerUs * float64(d) / float64(time.Microsecond)))
}

// spin runs n rounds of xorshift.
func spin(n uint64) {
	x := uint64(88172645463325252)
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	sink.Add(x & 1)
}
