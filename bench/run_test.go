package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/executor"
)

// strategies are the executors and the baseline.
func strategies() []string { return append(executor.Names(), Baseline) }

// TestRun runs every strategy in every mode on the embedded bus and checks
// the counts, which are exact, and that the figures are filled in.
func TestRun(t *testing.T) {
	workloads := []Workload{
		{Mode: Cast, Messages: 2000},
		{Mode: Call, Messages: 500, Publishers: 8},
		{Mode: Fanout, Messages: 500, Servers: 3},
		{Mode: Cast, Messages: 2000, Prefill: true},
		{Mode: Call, Messages: 500, Prefill: true},
		{Mode: Cast, Messages: 500, Ack: "before", Work: mustWork(t, "mix:90%0,10%sleep:1ms"), Payload: 300},
		{Mode: Cast, Messages: 1000, Servers: 2, Window: 4, Publishers: 2},
	}
	for _, w := range workloads {
		for _, name := range strategies() {
			w.Executor = name
			t.Run(fmt.Sprintf("%s/%s/prefill=%v/%s", w.Mode, name, w.Prefill, w.Work), func(t *testing.T) {
				r, err := Run(t.Context(), w)
				if err != nil {
					t.Fatalf("Run = %v", err)
				}
				perMsg := max(w.Servers, 1)
				if w.Mode != Fanout {
					perMsg = 1
				}
				if want := int64(w.Messages * perMsg); r.Messages != want {
					t.Errorf("Messages = %d, want %d", r.Messages, want)
				}
				if r.Strategy != name || r.Partial {
					t.Errorf("Strategy, Partial = %q, %v, want %q, false", r.Strategy, r.Partial, name)
				}
				if r.MsgsPerSec <= 0 || r.Elapsed <= 0 || r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P99 ||
					r.PeakGoroutines <= 0 || r.PeakHeap == 0 || r.BytesPerMsg <= 0 {
					t.Errorf("figures not filled in: %+v", r)
				}
				if w.Servers > 1 {
					var sum int64
					for _, n := range r.PerServer {
						sum += n
					}
					if len(r.PerServer) != w.Servers || sum != r.Messages {
						t.Errorf("PerServer = %v, want %d counts adding up to %d", r.PerServer, w.Servers, r.Messages)
					}
					if w.Mode == Fanout && r.PerServer[0] != int64(w.Messages) {
						t.Errorf("PerServer = %v, want %d each", r.PerServer, w.Messages)
					}
				}
			})
		}
	}
}

// TestRunDuration: a run bounded by time handles all it sent, and reports
// progress while it runs.
func TestRunDuration(t *testing.T) {
	var calls atomic.Int64
	w := Workload{Executor: executor.Pool, Duration: 600 * time.Millisecond, Work: mustWork(t, "sleep:1ms"),
		Progress: func(p Progress) {
			if p.Strategy == executor.Pool && p.Expected == 0 {
				calls.Add(1)
			}
		}}
	start := time.Now()
	r, err := Run(t.Context(), w)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second || r.Elapsed < 600*time.Millisecond {
		t.Errorf("run took %v, measured %v; want about 600ms", d, r.Elapsed)
	}
	if r.Messages == 0 || calls.Load() == 0 {
		t.Errorf("Messages = %d, progress reports = %d; want both > 0", r.Messages, calls.Load())
	}
}

// TestRunInterrupted: when the context ends, Run stops at once and returns
// what it measured, marked partial.
func TestRunInterrupted(t *testing.T) {
	for _, name := range strategies() {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			r, err := Run(ctx, Workload{Executor: name, Messages: 10_000_000, Work: mustWork(t, "sleep:1ms")})
			if !errors.Is(err, context.DeadlineExceeded) || !r.Partial || r.Messages == 0 {
				t.Errorf("Run = %+v, %v; want a partial result and DeadlineExceeded", r, err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Run returned after %v, want soon after 300ms", d)
			}
		})
	}
}

func TestWorkloadValidate(t *testing.T) {
	tests := []struct {
		name string
		w    Workload
		want string // in the error; "" for valid
	}{
		{"defaults", Workload{Executor: "pool"}, ""},
		{"baseline", Workload{Executor: Baseline, Mode: Call}, ""},
		{"unknown executor", Workload{Executor: "eventlet"}, `executor "eventlet"`},
		{"bad ack", Workload{Executor: "pool", Ack: "never"}, `ack "never"`},
		{"bad mode", Workload{Executor: "pool", Mode: "notify"}, `mode "notify"`},
		{"negative", Workload{Executor: "pool", Payload: -1}, "must not be negative"},
		{"window under publishers", Workload{Executor: "pool", Window: 2, Publishers: 3}, "window 2"},
		{"prefill by time", Workload{Executor: "pool", Prefill: true, Duration: time.Second}, "prefill needs"},
		{"prefill fanout", Workload{Executor: "pool", Prefill: true, Mode: Fanout}, "fanout queues"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.w.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.want != "" && (!errors.Is(err, ErrBadWorkload) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate = %v, want ErrBadWorkload saying %q", err, tt.want)
			}
		})
	}
}

func TestWorkloadString(t *testing.T) {
	got := Workload{URL: "rabbit://user:s3cret@broker:5672/", Mode: Call}.String()
	for _, want := range []string{"rabbit://user:***@broker:5672/", "call", "64 publishers", "100000 messages"} {
		if !strings.Contains(got, want) {
			t.Errorf("String() = %q, want it to contain %q", got, want)
		}
	}
	if strings.Contains(got, "s3cret") {
		t.Errorf("String() = %q shows the password", got)
	}
}

func TestSetRatios(t *testing.T) {
	r := Report{Results: []Result{{Strategy: Baseline, MsgsPerSec: 200}, {Strategy: "pool", MsgsPerSec: 50}}}
	r.SetRatios()
	if r.Results[0].VsBaseline != 1 || r.Results[1].VsBaseline != 0.25 {
		t.Errorf("ratios = %v, %v, want 1, 0.25", r.Results[0].VsBaseline, r.Results[1].VsBaseline)
	}
}

func mustWork(t testing.TB, spec string) Work {
	t.Helper()
	w, err := ParseWork(spec)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
