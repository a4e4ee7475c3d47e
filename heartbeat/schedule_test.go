package heartbeat

import (
	"math"
	"testing"
	"time"
)

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func TestScheduleDueAndUntil(t *testing.T) {
	s := NewSchedule(10*time.Second, epoch)
	// Steps run in order against the same Schedule; each names the moment the
	// loop asks and what it must be told.
	steps := []struct {
		name      string
		at        time.Duration // since epoch
		wantUntil time.Duration // asked before Due
		wantDue   bool
	}{
		{name: "fresh schedule waits one interval", at: 0, wantUntil: 10 * time.Second},
		{name: "just before the deadline", at: 10*time.Second - time.Millisecond, wantUntil: time.Millisecond},
		{name: "at the deadline", at: 10 * time.Second, wantUntil: 0, wantDue: true},
		{name: "once per interval", at: 10 * time.Second, wantUntil: 10 * time.Second},
		{name: "re-armed from the check", at: 19 * time.Second, wantUntil: time.Second},
		{name: "late loop checks once", at: 45 * time.Second, wantUntil: 0, wantDue: true},
		{name: "no catch-up burst", at: 46 * time.Second, wantUntil: 9 * time.Second},
		{name: "next from the late check", at: 55 * time.Second, wantUntil: 0, wantDue: true},
	}
	for _, st := range steps {
		now := epoch.Add(st.at)
		if got := s.Until(now); got != st.wantUntil {
			t.Errorf("%s: Until(+%v): got %v, want %v", st.name, st.at, got, st.wantUntil)
		}
		if got := s.Due(now); got != st.wantDue {
			t.Errorf("%s: Due(+%v): got %v, want %v", st.name, st.at, got, st.wantDue)
		}
	}
}

func TestScheduleDisabled(t *testing.T) {
	tests := []struct {
		name string
		s    Schedule
	}{
		{name: "zero value", s: Schedule{}},
		{name: "interval 0", s: NewSchedule(0, epoch)},
		{name: "negative interval", s: NewSchedule(-time.Second, epoch)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, at := range []time.Duration{0, time.Second, 1000 * time.Hour} {
				now := epoch.Add(at)
				if tt.s.Due(now) {
					t.Errorf("Due(+%v): got true, want false", at)
				}
				if got := tt.s.Until(now); got != math.MaxInt64 {
					t.Errorf("Until(+%v): got %v, want the largest Duration", at, got)
				}
			}
		})
	}
}

func TestScheduleFromInterval(t *testing.T) {
	interval, err := Interval(DefaultThreshold, DefaultRate)
	if err != nil {
		t.Fatalf("Interval(defaults): got error %v, want nil", err)
	}
	s := NewSchedule(interval, epoch)
	pollTimeout := time.Second
	if got := min(pollTimeout, s.Until(epoch)); got != pollTimeout {
		t.Errorf("poll bound at start: got %v, want %v", got, pollTimeout)
	}
	if got := min(pollTimeout, s.Until(epoch.Add(9500*time.Millisecond))); got != 500*time.Millisecond {
		t.Errorf("poll bound near the check: got %v, want %v", got, 500*time.Millisecond)
	}
}
