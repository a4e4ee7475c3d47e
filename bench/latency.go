package bench

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram records durations from many goroutines at once without a lock
// and answers percentiles within about 3%: values under 64 ns are kept
// exactly, larger ones in 32 buckets per power of two (a log-linear
// histogram, as HdrHistogram keeps). A sorted reservoir would need a lock or
// lose samples; a fixed 15 KiB of counters needs neither.
type Histogram struct {
	counts [numBuckets]atomic.Int64
	n      atomic.Int64
	max    atomic.Int64
}

const (
	subBits    = 5 // 32 buckets per octave: at most 1/32 relative width
	subCount   = 1 << subBits
	linear     = 2 * subCount // values below are their own bucket
	numBuckets = linear + (64-subBits-1)*subCount
)

// Record adds one duration; negative ones count as 0.
func (h *Histogram) Record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[bucketOf(uint64(v))].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Count returns how many durations were recorded.
func (h *Histogram) Count() int64 { return h.n.Load() }

// Max returns the largest duration recorded, exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Percentile returns the duration under which a fraction q (0 < q ≤ 1) of
// the recorded ones fall: the nearest-rank percentile, reported as the
// middle of its bucket and never above Max. It is 0 when nothing was
// recorded.
func (h *Histogram) Percentile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(n))), 1)
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return min(time.Duration(bucketMid(i)), h.Max())
		}
	}
	return h.Max() // counts still arriving from a run being stopped
}

// bucketOf maps a value to its bucket: exact below linear, then by its top
// subBits+1 bits.
func bucketOf(v uint64) int {
	if v < linear {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	return linear + (shift-1)*subCount + int(v>>shift) - subCount
}

// bucketMid is the middle of bucket i's range of values.
func bucketMid(i int) uint64 {
	if i < linear {
		return uint64(i)
	}
	shift := (i-linear)/subCount + 1
	low := uint64(subCount+(i-linear)%subCount) << shift
	return low + (uint64(1)<<shift)/2
}
