package rpcexec_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/transport"
)

// startNamed starts a server called name on the test topic.
func startNamed(t *testing.T, cfg rpcexec.Config, name string, eps ...*dispatch.Endpoint) {
	t.Helper()
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "test", Server: name}, dispatch.New(eps...))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop(context.Background()) })
}

// whoEndpoint answers "who" with the server's name and reports casts.
func whoEndpoint(name string, casts chan<- string) *dispatch.Endpoint {
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "who", func(context.Context, struct{}) (string, error) { return name, nil })
	dispatch.Handle(ep, "ping", func(context.Context, struct{}) (any, error) {
		casts <- name
		return nil, nil
	})
	return ep
}

func TestFanoutReachesEveryServer(t *testing.T) {
	cfg := testConfig(t, "pool")
	casts := make(chan string, 4)
	startNamed(t, cfg, "a", whoEndpoint("a", casts))
	startNamed(t, cfg, "b", whoEndpoint("b", casts))
	client := newClient(t, cfg)
	if err := client.Prepare(rpcexec.Fanout()).Cast(context.Background(), "ping", nil); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{<-casts: true, <-casts: true}
	if !got["a"] || !got["b"] {
		t.Errorf("fanout reached %v, want a and b", got)
	}
	if err := client.Prepare(rpcexec.Fanout()).Call(context.Background(), "who", nil, nil); err == nil {
		t.Errorf("a fanout call succeeded, want an error: fanout takes casts only")
	}
}

func TestToServerReachesOnlyThatServer(t *testing.T) {
	cfg := testConfig(t, "goroutine")
	casts := make(chan string, 1)
	startNamed(t, cfg, "a", whoEndpoint("a", casts))
	startNamed(t, cfg, "b", whoEndpoint("b", casts))
	client := newClient(t, cfg)
	for range 20 {
		var who string
		if err := client.Prepare(rpcexec.ToServer("b")).Call(context.Background(), "who", nil, &who); err != nil || who != "b" {
			t.Fatalf("call to server b answered by %q (%v), want b", who, err)
		}
	}
}

func TestCallerContextTravels(t *testing.T) {
	cfg := testConfig(t, "pool")
	ep := dispatch.NewEndpoint(dispatch.Target{Namespace: "ctl", Version: "2.5"})
	dispatch.Handle(ep, "whoami", func(ctx context.Context, _ struct{}) (dispatch.CallerContext, error) {
		return dispatch.FromContext(ctx), nil
	})
	startServer(t, cfg, ep)
	client := newClient(t, cfg).Prepare(rpcexec.InNamespace("ctl"), rpcexec.AtVersion("2.3"))
	ctx := dispatch.NewContext(context.Background(), dispatch.CallerContext{"request_id": "req-42", "roles": []any{"admin"}})
	var got map[string]any
	if err := client.Call(ctx, "whoami", nil, &got); err != nil {
		t.Fatal(err)
	}
	if got["request_id"] != "req-42" || len(got["roles"].([]any)) != 1 {
		t.Errorf("endpoint saw context %v, want request_id req-42 and roles [admin]", got)
	}
}

// TestCallMonitorKeepsLongCallAlive: a call longer than its call-monitor
// timeout succeeds because the server sends heartbeat replies; a server
// that stops answering fails the call after the monitor timeout, long
// before the call timeout.
func TestCallMonitorKeepsLongCallAlive(t *testing.T) {
	cfg := testConfig(t, "pool")
	release := make(chan struct{})
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "slow", func(ctx context.Context, _ struct{}) (string, error) {
		select {
		case <-time.After(2500 * time.Millisecond): // over the 2 s monitor timeout
			return "done", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	dispatch.Handle(ep, "hang", func(ctx context.Context, _ struct{}) (string, error) {
		<-release
		return "", nil
	})
	srv := startServer(t, cfg, ep)
	client := newClient(t, cfg).Prepare(rpcexec.CallMonitor(2*time.Second), rpcexec.Timeout(time.Minute))
	var got string
	if err := client.Call(context.Background(), "slow", nil, &got); err != nil || got != "done" {
		t.Fatalf("slow call with call monitor: got %q, %v; want done", got, err)
	}

	// A monitored call to a topic whose server is gone: the reply queue
	// hears nothing, and the monitor fails the call in 2 s, not 1 min.
	defer close(release)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := client.Call(context.Background(), "hang", nil, nil)
	var te *rpcexec.TimeoutError
	if !errors.As(err, &te) || !te.Monitor {
		t.Fatalf("got %v, want a call-monitor TimeoutError", err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("monitor noticed the silence after %s, want about 2 s", took)
	}
}

func TestTimeoutErrorNamesCall(t *testing.T) {
	cfg := testConfig(t, "pool")
	release := make(chan struct{})
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "resize", func(context.Context, struct{}) (any, error) {
		<-release
		return nil, nil
	})
	startServer(t, cfg, ep)
	defer close(release)
	client := newClient(t, cfg).Prepare(rpcexec.ToServer("s1"), rpcexec.Timeout(30*time.Millisecond))
	err := client.Call(context.Background(), "resize", nil, nil)
	if !errors.Is(err, rpcexec.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	for _, want := range []string{`"resize"`, `topic "test"`, `server "s1"`, "30ms"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %s", err, want)
		}
	}
}

// TestCallToNoQueueFailsAtOnce: a call to a server that never listened is
// unroutable, an error now rather than a timeout later.
func TestCallToNoQueueFailsAtOnce(t *testing.T) {
	cfg := testConfig(t, "pool")
	startServer(t, cfg, dispatch.NewEndpoint(dispatch.Target{}))
	err := newClient(t, cfg).Prepare(rpcexec.ToServer("ghost")).Call(context.Background(), "resize", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "test.ghost") || !strings.Contains(err.Error(), "unroutable") {
		t.Errorf("got %v, want an unroutable error naming test.ghost", err)
	}
}

func TestServerLifecycle(t *testing.T) {
	cfg := testConfig(t, "pool")
	d := dispatch.New(dispatch.NewEndpoint(dispatch.Target{}))
	if _, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "test"}, d); !errors.Is(err, rpcexec.ErrInvalidConfig) {
		t.Errorf("server without a name: got %v, want ErrInvalidConfig", err)
	}
	bad := cfg
	bad.Executor = "fork"
	if _, err := rpcexec.NewServer(bad, rpcexec.Target{Topic: "test", Server: "s"}, d); !errors.Is(err, rpcexec.ErrInvalidConfig) {
		t.Errorf("bad executor: got %v, want ErrInvalidConfig", err)
	}
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "test", Server: "s"}, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Errorf("second Start: %v, want nil", err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := srv.Stop(context.Background()); err != nil {
				t.Errorf("concurrent Stop: %v", err)
			}
		})
	}
	wg.Wait()
	select {
	case <-srv.Done():
	default:
		t.Errorf("Done not closed after Stop")
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close after Stop: %v", err)
	}
	if err := srv.Start(context.Background()); !errors.Is(err, rpcexec.ErrServerStopped) {
		t.Errorf("Start after Stop: got %v, want ErrServerStopped", err)
	}
}

// TestGracefulStopLosesNothing: stop a server mid-load with ack policy
// "after"; what it did not handle is still queued, and a second server
// handles exactly that.
func TestGracefulStopLosesNothing(t *testing.T) {
	const total = 5000
	for _, name := range []string{"blocking", "goroutine", "pool"} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, name)
			seen := newTally(total)
			halfway := make(chan struct{})
			var once sync.Once
			var mu sync.Mutex
			n := 0
			ep := dispatch.NewEndpoint(dispatch.Target{})
			dispatch.Handle(ep, "record", func(_ context.Context, a idArgs) (any, error) {
				seen.add(a.ID)
				mu.Lock()
				n++
				if n == total/2 {
					once.Do(func() { close(halfway) })
				}
				mu.Unlock()
				return nil, nil
			})
			client := newClient(t, cfg)
			first, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "test", Server: "first"}, dispatch.New(ep))
			if err != nil {
				t.Fatal(err)
			}
			if err := first.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			for i := range total {
				if err := client.Cast(context.Background(), "record", idArgs{ID: i}); err != nil {
					t.Fatal(err)
				}
			}
			<-halfway
			if err := first.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			startNamed(t, cfg, "second", ep)
			select {
			case <-seen.all:
			case <-time.After(30 * time.Second):
				t.Fatal("not every cast handled within 30 s after the restart")
			}
			seen.check(t)
		})
	}
}

// refusingTransport refuses the first refusals publishes (basic.nack, as a
// quorum queue electing a leader does) and accepts the rest, recording
// every body.
type refusingTransport struct {
	transport.Transport
	refusals int
	mu       sync.Mutex
	bodies   [][]byte
}

func (r *refusingTransport) Publish(_ context.Context, _ transport.Address, m transport.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, m.Body)
	if len(r.bodies) <= r.refusals {
		return fmt.Errorf("%w: test", transport.ErrRefused)
	}
	return nil
}

// TestClientSendsRefusedAgain: a request the broker refuses is sent again,
// the same message, until it is taken; one refused for good fails with the
// refusal once rpc_response_timeout has passed.
func TestClientSendsRefusedAgain(t *testing.T) {
	cfg := rpcexec.DefaultConfig()
	cfg.RPCResponseTimeout = rpcexec.Duration(time.Second)
	tests := []struct {
		name     string
		refusals int
		wantErr  bool
	}{
		{"refused three times, then taken", 3, false},
		{"refused for good", 1 << 30, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &refusingTransport{refusals: tt.refusals}
			c, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "t"}, rpcexec.WithClientTransport(tr))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			err = c.Cast(context.Background(), "m", nil)
			if got := errors.Is(err, transport.ErrRefused); got != tt.wantErr {
				t.Fatalf("Cast: got %v, want a refusal: %v", err, tt.wantErr)
			}
			tr.mu.Lock()
			defer tr.mu.Unlock()
			if !tt.wantErr && len(tr.bodies) != tt.refusals+1 {
				t.Errorf("publishes: got %d, want %d", len(tr.bodies), tt.refusals+1)
			}
			for _, b := range tr.bodies[1:] {
				if !bytes.Equal(b, tr.bodies[0]) {
					t.Fatalf("a request sent again differs from the first (its _unique_id must not change)")
				}
			}
			if took := time.Since(start); tt.wantErr && (took < 500*time.Millisecond || took > 5*time.Second) {
				t.Errorf("refused for good: gave up after %s, want about rpc_response_timeout (1 s)", took)
			}
		})
	}
}
