package heartbeat

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// guard bounds every wait on a signal so a broken Monitor fails, not hangs.
const guard = 5 * time.Second

const tick = 5 * time.Millisecond

func TestMonitorInterval(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		want    time.Duration
	}{
		{name: "no timeout", timeout: 0, want: 0},
		{name: "negative", timeout: -4 * time.Second, want: 0},
		{name: "1 s gives a period under 1 s", timeout: time.Second, want: 0},
		{name: "just under 2 s truncates to 1 s", timeout: 1999 * time.Millisecond, want: 0},
		{name: "2 s", timeout: 2 * time.Second, want: time.Second},
		{name: "fraction truncated like int()", timeout: 2500 * time.Millisecond, want: time.Second},
		{name: "odd seconds keep the half", timeout: 3 * time.Second, want: 1500 * time.Millisecond},
		{name: "rpc_response_timeout default", timeout: 60 * time.Second, want: 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MonitorInterval(tt.timeout); got != tt.want {
				t.Errorf("MonitorInterval(%v): got %v, want %v", tt.timeout, got, tt.want)
			}
		})
	}
}

func TestMonitorBeats(t *testing.T) {
	beats := make(chan struct{})
	stop := Monitor(context.Background(), tick, func(ctx context.Context) error {
		select {
		case beats <- struct{}{}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	for i := range 3 {
		select {
		case <-beats:
		case <-time.After(guard):
			t.Fatalf("beat %d: got none within %v, want one every %v", i+1, guard, tick)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("stop: got %v, want nil", err)
	}
}

func TestMonitorStopWaitsForRunningBeat(t *testing.T) {
	entered, cancelled, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var returned atomic.Bool
	stop := Monitor(context.Background(), tick, func(ctx context.Context) error {
		close(entered)
		<-ctx.Done() // stop has cancelled us
		close(cancelled)
		<-release // a publish that ignores cancellation
		returned.Store(true)
		return ctx.Err()
	})
	select {
	case <-entered:
	case <-time.After(guard):
		t.Fatalf("beat: got none within %v", guard)
	}
	stopped := make(chan error)
	go func() { stopped <- stop() }()
	<-cancelled
	select {
	case err := <-stopped:
		t.Fatalf("stop returned (%v) while a beat was running, want it to wait", err)
	default:
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Errorf("stop after a beat cut short: got %v, want nil", err)
	}
	if !returned.Load() {
		t.Errorf("after stop: got beat still running, want it finished")
	}
}

func TestMonitorNoBeatAfterStop(t *testing.T) {
	var count atomic.Int64
	beats := make(chan struct{}, 1)
	stop := Monitor(context.Background(), tick, func(context.Context) error {
		count.Add(1)
		select {
		case beats <- struct{}{}:
		default:
		}
		return nil
	})
	select {
	case <-beats:
	case <-time.After(guard):
		t.Fatalf("beat: got none within %v", guard)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: got %v, want nil", err)
	}
	before := count.Load()
	// Synchronisation point: once no goroutine of ours is left, nothing can
	// call beat again.
	goleak.VerifyNone(t)
	if got := count.Load(); got != before {
		t.Errorf("beats after stop: got %d, want %d", got, before)
	}
}

func TestMonitorStopsWhenContextDone(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		stop := Monitor(ctx, time.Hour, func(context.Context) error {
			t.Error("beat: got a call, want none")
			return nil
		})
		cancel()
		goleak.VerifyNone(t) // the watchdog ended without stop
		if err := stop(); err != nil {
			t.Errorf("stop after cancel: got %v, want nil", err)
		}
	})
	t.Run("during a beat", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		entered := make(chan struct{})
		stop := Monitor(ctx, tick, func(ctx context.Context) error {
			close(entered)
			<-ctx.Done()
			return ctx.Err()
		})
		<-entered
		cancel()
		goleak.VerifyNone(t)
		if err := stop(); err != nil {
			t.Errorf("stop after cancel during a beat: got %v, want nil", err)
		}
	})
}

func TestMonitorBeatError(t *testing.T) {
	errSend := errors.New("send failed")
	var calls atomic.Int64
	stop := Monitor(context.Background(), tick, func(context.Context) error {
		if calls.Add(1) == 2 {
			return errSend
		}
		return nil
	})
	goleak.VerifyNone(t) // the watchdog ends on the failure, before stop
	// Every stop, from any goroutine, reports the same failure.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			err := stop()
			if !errors.Is(err, errSend) {
				t.Errorf("stop: got %v, want an error wrapping %v", err, errSend)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "heartbeat: call-monitor beat: ") {
				t.Errorf("stop: got %q, want the package prefix", err)
			}
		})
	}
	wg.Wait()
	if got := calls.Load(); got != 2 {
		t.Errorf("beats: got %d, want 2 (none after the failure)", got)
	}
}

func TestMonitorDisabled(t *testing.T) {
	for _, every := range []time.Duration{0, -time.Second} {
		stop := Monitor(context.Background(), every, func(context.Context) error {
			t.Errorf("Monitor(%v): got a beat, want none", every)
			return nil
		})
		goleak.VerifyNone(t) // no goroutine was started
		for range 2 {
			if err := stop(); err != nil {
				t.Errorf("Monitor(%v): stop got %v, want nil", every, err)
			}
		}
	}
}
