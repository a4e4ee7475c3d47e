package heartbeat

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestInterval(t *testing.T) {
	tests := []struct {
		name      string
		threshold time.Duration
		rate      int
		want      time.Duration
		wantErr   string // substring of the error; "" means no error
	}{
		{name: "defaults", threshold: DefaultThreshold, rate: DefaultRate, want: 10 * time.Second},
		{name: "oslo 14.0.3 default rate", threshold: 60 * time.Second, rate: 2, want: 15 * time.Second},
		{name: "rate 1", threshold: time.Second, rate: 1, want: 500 * time.Millisecond},
		{name: "uneven division truncates", threshold: 10 * time.Second, rate: 3, want: 1666666666 * time.Nanosecond},
		{name: "smallest usable threshold", threshold: 2, rate: 1, want: 1},
		{name: "threshold 0 disables", threshold: 0, rate: DefaultRate, want: 0},
		{name: "negative threshold", threshold: -time.Second, rate: DefaultRate,
			wantErr: "heartbeat_timeout_threshold is -1s, must be >= 0"},
		{name: "rate 0", threshold: DefaultThreshold, rate: 0,
			wantErr: "heartbeat_rate is 0, must be >= 1"},
		{name: "negative rate", threshold: DefaultThreshold, rate: -3,
			wantErr: "heartbeat_rate is -3, must be >= 1"},
		{name: "rate 0 with heartbeats disabled", threshold: 0, rate: 0,
			wantErr: "heartbeat_rate is 0"},
		{name: "threshold rounds to 0", threshold: 5, rate: 3,
			wantErr: "heartbeat_timeout_threshold is 5ns, must be at least 2×heartbeat_rate (3)"},
		{name: "huge rate", threshold: DefaultThreshold, rate: math.MaxInt,
			wantErr: "heartbeat_timeout_threshold is 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Interval(tt.threshold, tt.rate)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Interval(%v, %d): got error %v, want nil", tt.threshold, tt.rate, err)
				}
				if got != tt.want {
					t.Errorf("Interval(%v, %d): got %v, want %v", tt.threshold, tt.rate, got, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Interval(%v, %d): got error %v, want one wrapping ErrInvalidConfig", tt.threshold, tt.rate, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Interval(%v, %d): got error %q, want it to contain %q", tt.threshold, tt.rate, err, tt.wantErr)
			}
			if got != 0 {
				t.Errorf("Interval(%v, %d): got %v with an error, want 0", tt.threshold, tt.rate, got)
			}
		})
	}
}
