package rpcexec_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/executor"
)

func TestMain(m *testing.M) {
	// ants starts its default pool when imported; it is not ours to stop.
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent())
}

// testConfig runs on a bus of the test's own, so tests cannot see each
// other's messages.
func testConfig(t *testing.T, executorName string) rpcexec.Config {
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = "memory://" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	cfg.Executor = executorName
	return cfg
}

// tally counts how often each id was handled and signals when want distinct
// ids have been seen.
type tally struct {
	mu     sync.Mutex
	counts map[int]int
	want   int
	all    chan struct{}
}

func newTally(want int) *tally {
	return &tally{counts: make(map[int]int), want: want, all: make(chan struct{})}
}

func (t *tally) add(id int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counts[id]++
	if t.counts[id] == 1 && len(t.counts) == t.want {
		close(t.all)
	}
}

func (t *tally) check(tb testing.TB) {
	tb.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	for id := range t.want {
		if n := t.counts[id]; n != 1 {
			tb.Errorf("id %d handled %d times, want exactly once", id, n)
		}
	}
}

type idArgs struct {
	ID int `json:"id"`
}

type echoArgs struct {
	Value int `json:"value"`
}

func startServer(t *testing.T, cfg rpcexec.Config, eps ...*dispatch.Endpoint) *rpcexec.Server {
	t.Helper()
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "test", Server: "s1"}, dispatch.New(eps...))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return srv
}

func newClient(t *testing.T, cfg rpcexec.Config) *rpcexec.Client {
	t.Helper()
	c, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestEndToEnd sends 10,000 casts and 1,000 calls through a server on each
// executor: every cast handled exactly once, every call answered correctly.
func TestEndToEnd(t *testing.T) {
	const casts, calls = 10_000, 1_000
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, name)
			seen := newTally(casts)
			ep := dispatch.NewEndpoint(dispatch.Target{})
			dispatch.Handle(ep, "record", func(_ context.Context, a idArgs) (any, error) {
				seen.add(a.ID)
				return nil, nil
			})
			dispatch.Handle(ep, "echo", func(_ context.Context, a echoArgs) (echoArgs, error) {
				return a, nil
			})
			srv := startServer(t, cfg, ep)
			client := newClient(t, cfg)
			ctx := context.Background()

			for i := range casts {
				if err := client.Cast(ctx, "record", idArgs{ID: i}); err != nil {
					t.Fatalf("cast %d: %v", i, err)
				}
			}
			var wg sync.WaitGroup
			var failed atomic.Int64
			for w := range 16 {
				wg.Go(func() {
					for i := w; i < calls; i += 16 {
						var got echoArgs
						if err := client.Call(ctx, "echo", echoArgs{Value: i}, &got); err != nil || got.Value != i {
							t.Errorf("call %d: got %+v, %v; want value %d", i, got, err, i)
							failed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			select {
			case <-seen.all:
			case <-time.After(30 * time.Second):
				t.Fatalf("casts not all handled in 30 s")
			}
			seen.check(t)
			st := srv.Stats()
			if st.PeakInFlight > 128 {
				t.Errorf("peak in flight %d, want ≤ prefetch 128", st.PeakInFlight)
			}
		})
	}
}

// TestExecutorChosenByConfiguration changes the executor through the
// environment alone and sees it in where handlers run.
func TestExecutorChosenByConfiguration(t *testing.T) {
	tests := []struct {
		executor   string
		concurrent bool // handlers may overlap
	}{
		{"blocking", false},
		{"goroutine", true},
		{"pool", true},
	}
	for _, tt := range tests {
		t.Run(tt.executor, func(t *testing.T) {
			t.Setenv("RPCEXEC_EXECUTOR", tt.executor)
			t.Setenv("RPCEXEC_TRANSPORT_URL", "memory://"+strings.ReplaceAll(t.Name(), "/", "-"))
			cfg, err := rpcexec.LoadConfig("")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Executor != tt.executor {
				t.Fatalf("executor: got %q, want %q", cfg.Executor, tt.executor)
			}
			// Two casts whose handlers wait for each other complete only
			// when the executor runs them concurrently.
			var arrived atomic.Int64
			both := make(chan struct{})
			done := make(chan bool, 2)
			ep := dispatch.NewEndpoint(dispatch.Target{})
			dispatch.Handle(ep, "meet", func(context.Context, struct{}) (any, error) {
				if arrived.Add(1) == 2 {
					close(both)
				}
				select {
				case <-both:
					done <- true
				case <-time.After(time.Second): // long enough for a loaded machine to start the other
					done <- false
				}
				return nil, nil
			})
			startServer(t, cfg, ep)
			client := newClient(t, cfg)
			for range 2 {
				if err := client.Cast(context.Background(), "meet", nil); err != nil {
					t.Fatal(err)
				}
			}
			first, second := <-done, <-done
			met := first && second
			if met != tt.concurrent {
				t.Errorf("handlers overlapped: got %v, want %v", met, tt.concurrent)
			}
		})
	}
}

func TestCallErrors(t *testing.T) {
	cfg := testConfig(t, "pool")
	ep := dispatch.NewEndpoint(dispatch.Target{Version: "1.3"})
	dispatch.Handle(ep, "fail", func(context.Context, struct{}) (any, error) {
		return nil, errors.New("it broke")
	})
	dispatch.Handle(ep, "boom", func(context.Context, struct{}) (any, error) {
		panic("kaboom")
	})
	startServer(t, cfg, ep)
	client := newClient(t, cfg)
	ctx := context.Background()
	tests := []struct {
		name   string
		client *rpcexec.Client
		method string
		is     error
		text   string
	}{
		{"no such method", client, "nope", dispatch.ErrNoSuchMethod, "Endpoint does not support RPC method nope"},
		{"unsupported version", client.Prepare(rpcexec.AtVersion("2.0")), "fail", dispatch.ErrUnsupportedVersion, "RPC version 2.0"},
		{"endpoint error", client, "fail", nil, "it broke"},
		{"panic", client, "boom", nil, "kaboom"},
		{"timeout", client.Prepare(rpcexec.ToServer("nobody"), rpcexec.Timeout(50*time.Millisecond)), "fail", nil, "nobody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.client.Call(ctx, tt.method, nil, nil)
			if err == nil {
				t.Fatalf("got nil error, want one saying %q", tt.text)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want errors.Is %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("got %q, want it to say %q", err, tt.text)
			}
		})
	}
}
