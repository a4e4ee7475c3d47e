package rabbit

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	def := DefaultOptions()
	tests := []struct {
		name    string
		o       Options
		rnd     float64
		attempt int
		want    time.Duration
	}{
		{"first retry waits the interval", def, 0, 1, time.Second},
		{"steps by the backoff", def, 0, 2, 3 * time.Second},
		{"fifteenth", def, 0, 15, 29 * time.Second},
		{"capped", def, 0, 16, 30 * time.Second},
		{"long outage does not overflow", def, 0, 1 << 62, 30 * time.Second},
		{"attempt 0 counts as 1", def, 0, 0, time.Second},
		{"jitter takes off up to 20%", def, 0.75, 2, 2550 * time.Millisecond},
		{"jitter half way", def, 0.5, 16, 27 * time.Second},
		{"no backoff is a constant interval", Options{RetryInterval: time.Second, IntervalMax: 30 * time.Second}, 0, 9, time.Second},
		{"max below interval wins", Options{RetryInterval: 5 * time.Second, RetryBackoff: time.Second, IntervalMax: 2 * time.Second}, 0, 1, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := backoff(tt.o, func() float64 { return tt.rnd })(tt.attempt)
			if got != tt.want {
				t.Errorf("attempt %d: got %v, want %v", tt.attempt, got, tt.want)
			}
		})
	}
}

func TestBackoffStaysInBounds(t *testing.T) {
	f := Backoff(DefaultOptions())
	for range 1000 {
		if d := f(3); d <= 4*time.Second || d > 5*time.Second {
			t.Fatalf("attempt 3: got %v, want in (4s, 5s]", d)
		}
	}
}

func TestPerRound(t *testing.T) {
	step := func(n int) time.Duration { return time.Duration(n) * time.Second }
	tests := []struct {
		hosts int
		want  []time.Duration // after failed attempts 1, 2, 3, 4
	}{
		{1, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second}},
		{2, []time.Duration{0, time.Second, 0, 2 * time.Second}},
	}
	for _, tt := range tests {
		f := perRound(tt.hosts, step)
		for i, want := range tt.want {
			if got := f(i + 1); got != want {
				t.Errorf("%d hosts, after attempt %d: got %v, want %v", tt.hosts, i+1, got, want)
			}
		}
	}
}
