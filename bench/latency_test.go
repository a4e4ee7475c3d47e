package bench

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestHistogramBuckets: every bucket maps back to itself through its
// middle, buckets are ordered, and no bucket is wider than 1/32 of its
// values.
func TestHistogramBuckets(t *testing.T) {
	for i := range numBuckets {
		mid := bucketMid(i)
		if got := bucketOf(mid); got != i {
			t.Fatalf("bucketOf(bucketMid(%d) = %d) = %d", i, mid, got)
		}
		if i > 0 && bucketMid(i-1) >= mid {
			t.Fatalf("bucketMid(%d) = %d is not above bucketMid(%d) = %d", i, mid, i-1, bucketMid(i-1))
		}
	}
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 1 << 20, 1<<40 + 12345, 1<<63 - 1} {
		mid := bucketMid(bucketOf(v))
		if diff := float64(max(mid, v)-min(mid, v)) / float64(max(v, 1)); diff > 1.0/32 {
			t.Errorf("value %d is reported as %d: off by %.1f%%", v, mid, 100*diff)
		}
	}
}

// TestPercentiles compares the histogram with exact nearest-rank
// percentiles of the same sample.
func TestPercentiles(t *testing.T) {
	tests := []struct {
		name   string
		values func(i int) time.Duration
		n      int
	}{
		{"small exact values", func(i int) time.Duration { return time.Duration(i % 50) }, 1000},
		{"uniform 1µs to 100ms", func(i int) time.Duration { return time.Duration(1+i) * time.Microsecond }, 100_000},
		{"heavy tail", func(i int) time.Duration {
			if i%100 == 0 {
				return time.Second
			}
			return 50 * time.Microsecond
		}, 10_000},
		{"random", func(int) time.Duration { return time.Duration(rand.Int64N(int64(time.Second))) }, 50_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Histogram
			exact := make([]time.Duration, tt.n)
			for i := range tt.n {
				exact[i] = tt.values(i)
				h.Record(exact[i])
			}
			slices.Sort(exact)
			if h.Count() != int64(tt.n) || h.Max() != exact[tt.n-1] {
				t.Fatalf("Count, Max = %d, %v, want %d, %v", h.Count(), h.Max(), tt.n, exact[tt.n-1])
			}
			for _, q := range []float64{0.5, 0.95, 0.99, 1} {
				want := exact[int(q*float64(tt.n)+0.999999)-1]
				got := h.Percentile(q)
				if diff := (got - want).Abs(); float64(diff) > float64(want)/32+1 {
					t.Errorf("Percentile(%v) = %v, want %v within 1/32", q, got, want)
				}
			}
		})
	}
}

func TestHistogramEmptyAndNegative(t *testing.T) {
	var h Histogram
	if got := h.Percentile(0.99); got != 0 {
		t.Errorf("empty Percentile = %v, want 0", got)
	}
	h.Record(-time.Second)
	if got := h.Percentile(0.5); got != 0 {
		t.Errorf("Percentile after a negative duration = %v, want 0", got)
	}
}

// TestHistogramConcurrent is for -race: Record from many goroutines while
// percentiles are read.
func TestHistogramConcurrent(t *testing.T) {
	var h Histogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10_000 {
				h.Record(time.Duration(g*10_000+i) * time.Microsecond)
			}
		})
	}
	wg.Go(func() {
		for range 100 {
			_ = h.Percentile(0.99)
		}
	})
	wg.Wait()
	if h.Count() != 80_000 || h.Max() != 79_999*time.Microsecond {
		t.Errorf("Count, Max = %d, %v, want 80000, 79.999ms", h.Count(), h.Max())
	}
}
