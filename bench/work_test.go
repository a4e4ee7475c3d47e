package bench

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestParseWork(t *testing.T) {
	tests := []struct {
		name, spec, want string
	}{
		{"no work", "0", "0"},
		{"sleep", "sleep:10ms", "sleep:10ms"},
		{"cpu", "cpu:50us", "cpu:50µs"},
		{"spaces around", "  cpu:1ms ", "cpu:1ms"},
		{"mix", "mix:90%cpu:50us,10%sleep:10ms", "mix:90%cpu:50µs,10%sleep:10ms"},
		{"mix with no work", "mix:50%0,50%sleep:1ms", "mix:50%0,50%sleep:1ms"},
		{"mix of one", "mix:100%cpu:1ms", "cpu:1ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := ParseWork(tt.spec)
			if err != nil {
				t.Fatalf("ParseWork(%q) = %v", tt.spec, err)
			}
			if got := w.String(); got != tt.want {
				t.Errorf("ParseWork(%q).String() = %q, want %q", tt.spec, got, tt.want)
			}
			again, err := ParseWork(w.String())
			if err != nil || again.String() != w.String() {
				t.Errorf("round trip of %q = %q, %v", w, again, err)
			}
		})
	}
}

func TestParseWorkErrors(t *testing.T) {
	for _, spec := range []string{
		"", "1", "sleep", "sleep:", "sleep:x", "sleep:-1ms", "sleep:0s", "nap:1ms", "cpu:10",
		"mix:", "mix:90%cpu:1ms", "mix:60%cpu:1ms,60%sleep:1ms", "mix:cpu:1ms", "mix:0%cpu:1ms,100%0",
		"mix:50%mix:100%0,50%0", "mix:50%cpu:1ms,50%bad",
	} {
		t.Run(spec, func(t *testing.T) {
			if _, err := ParseWork(spec); !errors.Is(err, ErrBadWork) {
				t.Errorf("ParseWork(%q) = %v, want an error wrapping ErrBadWork", spec, err)
			}
		})
	}
}

// TestWorkMixShares: over many message numbers, each part of a mix gets
// its share, and the same number always picks the same part.
func TestWorkMixShares(t *testing.T) {
	w, err := ParseWork("mix:70%0,20%cpu:1us,10%sleep:1us")
	if err != nil {
		t.Fatal(err)
	}
	const n = 100_000
	got := map[workKind]int{}
	for seq := range uint64(n) {
		first := w.pick(seq)
		got[first.kind]++
		if w.pick(seq) != first {
			t.Fatalf("pick(%d) is not stable", seq)
		}
	}
	for kind, want := range map[workKind]float64{noWork: 0.7, cpuWork: 0.2, sleepWork: 0.1} {
		if share := float64(got[kind]) / n; share < want-0.01 || share > want+0.01 {
			t.Errorf("share of %v = %.3f, want %.2f ± 0.01", kind, share, want)
		}
	}
}

func TestWorkDo(t *testing.T) {
	sleep, _ := ParseWork("sleep:20ms")
	start := time.Now()
	sleep.Do(context.Background(), 1)
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("sleep:20ms took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	long, _ := ParseWork("sleep:1h")
	start = time.Now()
	long.Do(ctx, 1)
	if d := time.Since(start); d > time.Second {
		t.Errorf("sleep:1h with an ended context took %v, want an early return", d)
	}
	cpu, _ := ParseWork("cpu:5ms")
	Calibrate()
	start = time.Now()
	cpu.Do(context.Background(), 1)
	if d := time.Since(start); d < 2*time.Millisecond {
		t.Errorf("cpu:5ms took %v, want about 5ms", d)
	}
}
