package executor_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/executor/executortest"
)

// ants starts a default pool when imported, before TestMain: IgnoreCurrent
// leaves those goroutines out and still catches any an executor leaves.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent())
}

const (
	// capacity is the bound given to bounded strategies under the contract.
	capacity = 2
	// within bounds every wait that must end, so a broken executor fails, not hangs.
	within = 10 * time.Second
	// notWithin is how long something that must not happen is given to happen.
	notWithin = 50 * time.Millisecond
)

// unbounded lists the strategies whose Submit never waits for capacity; any
// other must honour WithPoolSize or WithMaxInFlight.
var unbounded = map[string]bool{executor.Blocking: true}

func TestContract(t *testing.T) {
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			var opts []executortest.Option
			if !unbounded[name] {
				opts = append(opts, executortest.WithCapacity(capacity))
			}
			executortest.Run(t, func(t *testing.T) executor.Executor {
				e, err := executor.New(name, executor.WithPoolSize(capacity), executor.WithMaxInFlight(capacity))
				if err != nil {
					t.Fatalf("New(%q): got %v, want nil", name, err)
				}
				return e
			}, opts...)
		})
	}
}

func TestNames(t *testing.T) {
	want := []string{executor.Blocking, executor.Goroutine, executor.Pool}
	if got := executor.Names(); !slices.Equal(got, want) {
		t.Errorf("Names(): got %q, want %q", got, want)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name     string
		strategy string
		opts     []executor.Option
		wantErr  error
		wantText []string // in the error message
	}{
		{name: "blocking", strategy: executor.Blocking},
		{name: "goroutine", strategy: executor.Goroutine},
		{
			name: "goroutine with max in-flight", strategy: executor.Goroutine,
			opts: []executor.Option{executor.WithMaxInFlight(8)},
		},
		{name: "pool", strategy: executor.Pool},
		{name: "pool with size", strategy: executor.Pool, opts: []executor.Option{executor.WithPoolSize(8)}},
		{
			name: "unknown name lists the valid ones", strategy: "eventlet", wantErr: executor.ErrInvalidConfig,
			wantText: append([]string{`"eventlet"`}, executor.Names()...),
		},
		{
			name: "empty name", strategy: "", wantErr: executor.ErrInvalidConfig,
			wantText: append([]string{`""`}, executor.Names()...),
		},
		{
			name: "pool size 0", strategy: executor.Pool,
			opts:    []executor.Option{executor.WithPoolSize(0)},
			wantErr: executor.ErrInvalidConfig, wantText: []string{"pool size must be > 0", "got 0"},
		},
		{
			name: "negative max in-flight", strategy: executor.Goroutine,
			opts:    []executor.Option{executor.WithMaxInFlight(-1)},
			wantErr: executor.ErrInvalidConfig, wantText: []string{"max in-flight must be > 0", "got -1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := executor.New(tt.strategy, tt.opts...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("New(%q): got error %v, want %v", tt.strategy, err, tt.wantErr)
			}
			if err != nil {
				for _, text := range tt.wantText {
					if !strings.Contains(err.Error(), text) {
						t.Errorf("New(%q): got error %q, want it to mention %s", tt.strategy, err, text)
					}
				}
				return
			}
			if err := e.Shutdown(context.Background()); err != nil {
				t.Errorf("Shutdown: got %v, want nil", err)
			}
		})
	}
}

func TestNewPoolRejectsSize(t *testing.T) {
	for _, size := range []int{0, -1} {
		if _, err := executor.NewPool(size); !errors.Is(err, executor.ErrInvalidConfig) {
			t.Errorf("NewPool(%d): got %v, want %v", size, err, executor.ErrInvalidConfig)
		}
	}
}

// bounded returns the strategies that wait for capacity, each bound to max.
func bounded(t *testing.T, max int) map[string]executor.Executor {
	t.Helper()
	pool, err := executor.NewPool(max)
	if err != nil {
		t.Fatalf("NewPool(%d): got %v, want nil", max, err)
	}
	return map[string]executor.Executor{
		executor.Goroutine: executor.NewGoroutine(max),
		executor.Pool:      pool,
	}
}

// receive returns the next value from ch, failing the test if none comes in time.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(within):
	}
	t.Fatalf("%s: got nothing within %v", what, within)
	var zero T
	return zero
}

func shutdown(t *testing.T, e executor.Executor) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: got %v, want nil", err)
	}
}
