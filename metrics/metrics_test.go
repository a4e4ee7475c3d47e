package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/metrics"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) // ants' default pool
}

// served is a server with metrics on a bus or broker, and a client of it.
type served struct {
	srv    *rpcexec.Server
	client *rpcexec.Client
	reg    *prometheus.Registry
	http   *metrics.HTTPServer
}

func serve(t *testing.T, cfg rpcexec.Config, topic string) *served {
	t.Helper()
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "echo", func(_ context.Context, a struct {
		Value int `json:"value"`
	}) (int, error) {
		return a.Value, nil
	})
	dispatch.Handle(ep, "fail", func(context.Context, struct{}) (any, error) { return nil, errors.New("failed") })
	reqs := metrics.NewRequests(prometheus.Labels{"topic": topic})
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: topic, Server: "s1"}, dispatch.New(ep),
		rpcexec.WithInterceptors(reqs.Interceptor()))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(reqs, metrics.NewCollector(srv, prometheus.Labels{"topic": topic}))
	hs, err := metrics.Listen("127.0.0.1:0", metrics.Handler(reg, srv))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	client, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	s := &served{srv: srv, client: client, reg: reg, http: hs}
	t.Cleanup(func() {
		client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		if err := hs.Close(ctx); err != nil {
			t.Errorf("closing the metrics server: %v", err)
		}
	})
	return s
}

// get fetches path from the metrics server.
func (s *served) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + s.http.Addr() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestMetricsOnTheEmbeddedBus(t *testing.T) {
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = "memory://metrics-test"
	s := serve(t, cfg, "mt")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		var got int
		if err := s.client.Call(ctx, "echo", map[string]int{"value": i}, &got); err != nil || got != i {
			t.Fatalf("echo %d: got %d, %v", i, got, err)
		}
	}
	if err := s.client.Call(ctx, "fail", nil, nil); err == nil {
		t.Fatal("fail: got no error")
	}
	if err := s.client.Call(ctx, "a-sender-chose-this-"+time.Now().String(), nil, nil); !errors.Is(err, dispatch.ErrNoSuchMethod) {
		t.Fatalf("unknown method: got %v, want NoSuchMethod", err)
	}
	if err := s.client.Call(ctx, "echo", map[string]string{"value": "x"}, nil); err == nil {
		t.Fatal("bad args: got no error")
	}

	code, body := s.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: got %d", code)
	}
	for _, want := range []string{
		`rpcexec_requests_handled_total{method="echo",outcome="ok",topic="mt"} 3`,
		`rpcexec_requests_handled_total{method="echo",outcome="bad_request",topic="mt"} 1`,
		`rpcexec_requests_handled_total{method="fail",outcome="error",topic="mt"} 1`,
		`rpcexec_requests_handled_total{method="_unknown",outcome="no_such_method",topic="mt"} 1`,
		`rpcexec_request_duration_seconds_count{method="echo",topic="mt"} 4`,
		`rpcexec_messages_received_total{topic="mt"} 6`,
		`rpcexec_messages_settled_total{outcome="ack",topic="mt"} 6`,
		`rpcexec_messages_in_flight{topic="mt"} 0`,
		`rpcexec_requests_refused_total{reason="poison",topic="mt"} 0`,
		`rpcexec_reconnects_total{topic="mt"} 0`,
		`rpcexec_ready{topic="mt"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "a-sender-chose-this") {
		t.Error("/metrics shows a method name a sender chose")
	}
	problems, err := testutil.CollectAndLint(s.reg)
	if err != nil || len(problems) > 0 {
	}
	if code, body := s.get(t, "/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz: got %d %q, want 200 ok", code, body)
	}
	if code, _ := s.get(t, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz while serving: got %d, want 200", code)
	}
	if err := s.srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if code, body := s.get(t, "/readyz"); code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "not ready") {
		t.Errorf("/readyz after Stop: got %d %q, want 503", code, body)
	}
	if code, _ := s.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz after Stop: got %d, want 200 (the process is up)", code)
	}
}

func TestListenAddressInUse(t *testing.T) {
	first, err := metrics.Listen("127.0.0.1:0", metrics.Handler(prometheus.NewRegistry(), nil))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close(context.Background())
	_, err = metrics.Listen(first.Addr(), metrics.Handler(prometheus.NewRegistry(), nil))
	if !errors.Is(err, metrics.ErrListen) || !strings.Contains(err.Error(), first.Addr()) ||
		!strings.Contains(err.Error(), "address already in use") {
		t.Errorf("got %v, want ErrListen naming %s and saying the address is in use", err, first.Addr())
	}
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, metrics.OutcomeOK},
		{errors.New("x"), metrics.OutcomeError},
		{dispatch.NewNoSuchMethod("m"), metrics.OutcomeNoSuchMethod},
		{dispatch.NewUnsupportedVersion("9.0", "m"), metrics.OutcomeUnsupportedVersion},
		{dispatch.ErrBadArguments, metrics.OutcomeBadRequest},
		{dispatch.ErrPanic, metrics.OutcomePanic},
	}
	for _, tt := range tests {
		if got := metrics.Outcome(tt.err); got != tt.want {
			t.Errorf("Outcome(%v): got %s, want %s", tt.err, got, tt.want)
		}
	}
}
