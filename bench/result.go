package bench

import (
	"runtime"
	"time"
)

// Baseline is the strategy name of the raw limit: the same traffic through
// the transport to a bare consumer, with no decoding, executor or dispatch.
const Baseline = "baseline"

// Result is what one run measured. Per-message figures divide by Messages.
type Result struct {
	Strategy string `json:"strategy"`
	// Messages is how many were handled (deliveries: a fanout message
	// handled by two servers counts twice).
	Messages   int64         `json:"messages"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	MsgsPerSec float64       `json:"msgs_per_sec"`
	// Latency from publish to handled (the endpoint returned).
	P50 time.Duration `json:"p50_ns"`
	P95 time.Duration `json:"p95_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`

	// PeakInFlight is the most messages any server held received and not
	// finished at once: never above the prefetch. 0 for the baseline.
	PeakInFlight   int64   `json:"peak_in_flight"`
	PeakGoroutines int     `json:"peak_goroutines"`
	AllocsPerMsg   float64 `json:"allocs_per_msg"` // the whole process's, publishers included
	BytesPerMsg    float64 `json:"bytes_per_msg"`
	PeakHeap       uint64  `json:"peak_heap_bytes"`

	// VsBaseline is MsgsPerSec over the baseline's, when one was measured.
	VsBaseline float64 `json:"vs_baseline,omitempty"`
	// PerServer is how many each server handled, when there were several.
	PerServer []int64 `json:"per_server,omitempty"`
	// Partial is set when the run was interrupted: the figures cover what
	// was handled until then.
	Partial bool `json:"partial,omitempty"`
}

// Report is a set of runs of one workload.
type Report struct {
	Workload string   `json:"workload"`
	Params   Params   `json:"params"`          // the workload as fields
	Run      RunInfo  `json:"run"`             // when and on what
	Notes    []string `json:"notes,omitempty"` // how to read the figures
	Results  []Result `json:"results"`
}

// NewReport returns an empty report of w, with the notes its figures need.
func NewReport(w Workload) Report {
	r := Report{Workload: w.String(), Params: w.Params(), Run: ThisRun()}
	if w.Prefill {
		r.Notes = append(r.Notes, "prefilled: msgs/s is the servers alone; latency includes the wait in the prefilled queue")
	}
	if IsRabbit(w.URL) && !w.Prefill {
		r.Notes = append(r.Notes, "each publish waits for the broker's confirm: more --publishers send faster")
	}
	return r
}

// SetRatios fills VsBaseline from the Baseline row, if there is one.
func (r *Report) SetRatios() {
	var base float64
	for _, res := range r.Results {
		if res.Strategy == Baseline {
			base = res.MsgsPerSec
		}
	}
	if base <= 0 {
		return
	}
	for i := range r.Results {
		r.Results[i].VsBaseline = r.Results[i].MsgsPerSec / base
	}
}

// meter is one run's measuring instruments, started together just before
// its clock and read together at its end.
type meter struct {
	lat     Histogram
	start   time.Time
	before  allocs
	sampler *sampler
}

// begin starts the clock; progress, when not nil, is called every 250 ms.
func (m *meter) begin(progress func()) {
	runtime.GC() // the heap of earlier runs is not this run's
	m.before = readAllocs()
	m.start = time.Now()
	m.sampler = startSampler(progress)
}

// result stops the instruments and computes the figures for handled
// messages over elapsed.
func (m *meter) result(strategy string, handled int64, elapsed time.Duration) Result {
	after := readAllocs()
	m.sampler.stop()
	r := Result{
		Strategy: strategy, Messages: handled, Elapsed: elapsed,
		P50: m.lat.Percentile(0.50), P95: m.lat.Percentile(0.95), P99: m.lat.Percentile(0.99), Max: m.lat.Max(),
		PeakGoroutines: m.sampler.peakGoroutines, PeakHeap: m.sampler.peakHeap,
	}
	if elapsed > 0 {
		r.MsgsPerSec = float64(handled) / elapsed.Seconds()
	}
	if handled > 0 {
		r.AllocsPerMsg = float64(after.mallocs-m.before.mallocs) / float64(handled)
		r.BytesPerMsg = float64(after.bytes-m.before.bytes) / float64(handled)
	}
	return r
}
