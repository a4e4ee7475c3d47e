package rpcexec_test

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/internal/brokertest"
)

// osloLine is one JSON line printed by testdata/oslo/*.py.
type osloLine struct {
	Step    string          `json:"step"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Module  string          `json:"module"`
	Message string          `json:"message"`
	Cast    string          `json:"cast"`
	Args    map[string]any  `json:"args"`
}

// osloClient runs one scenario of testdata/oslo/client.py and returns its
// steps by name.
func osloClient(t *testing.T, url, topic, scenario string) map[string]osloLine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, brokertest.Python, "testdata/oslo/client.py", url, topic, scenario).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("oslo client %s: %v\n%s", scenario, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	steps := make(map[string]osloLine)
	for _, raw := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var l osloLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("oslo client printed %q: %v", raw, err)
		}
		steps[l.Step] = l
	}
	return steps
}

func rabbitConfig(t *testing.T, url string) rpcexec.Config {
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = url
	return cfg
}

// osloEndpoints serve what testdata/oslo/server.py serves, in Go.
func osloEndpoints(casts chan<- int) []*dispatch.Endpoint {
	echo := dispatch.NewEndpoint(dispatch.Target{Version: "1.0"})
	dispatch.Handle(echo, "echo", func(_ context.Context, a struct {
		Value json.RawMessage `json:"value"`
	}) (json.RawMessage, error) {
		return a.Value, nil
	})
	dispatch.Handle(echo, "fail", func(_ context.Context, a struct {
		Message string `json:"message"`
	}) (any, error) {
		return nil, &dispatch.Error{Class: "ValueError", Module: dispatch.BuiltinsModule,
			Message: a.Message, Args: []any{a.Message}}
	})
	dispatch.Handle(echo, "sleep", func(ctx context.Context, a struct {
		Seconds float64 `json:"seconds"`
	}) (float64, error) {
		select {
		case <-time.After(time.Duration(a.Seconds * float64(time.Second))):
			return a.Seconds, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})
	dispatch.Handle(echo, "whoami", func(ctx context.Context, _ struct{}) (dispatch.CallerContext, error) {
		return dispatch.FromContext(ctx), nil
	})
	dispatch.Handle(echo, "record", func(_ context.Context, a struct {
		ID int `json:"id"`
	}) (any, error) {
		casts <- a.ID
		return nil, nil
	})
	control := dispatch.NewEndpoint(dispatch.Target{Namespace: "control", Version: "2.5"})
	dispatch.Handle(control, "status", func(context.Context, struct{}) (string, error) {
		return "control 2.5", nil
	})
	return []*dispatch.Endpoint{echo, control}
}

// osloValues are client.py's VALUES, as JSON.
var osloValues = map[string]string{
	"int": `42`, "float": `2.5`, "string": `"héllo <&>"`, "true": `true`, "false": `false`,
	"null": `null`, "list": `[1, "two", [3]]`, "object": `{"a": {"b": [null, 1.5]}}`,
	"empty_object": `{}`, "empty_list": `[]`, "big": `9007199254740992`, "negative": `-7`,
}

func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// TestOsloClientToRpcexecServer: oslo.messaging's own RPCClient calls and
// casts to an rpcexec server.
func TestOsloClientToRpcexecServer(t *testing.T) {
	url := brokertest.OsloURL(t)
	topic := brokertest.Topic(t, "go-1")
	casts := make(chan int, 256)
	cfg := rabbitConfig(t, url)
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: topic, Server: "go-1"}, dispatch.New(osloEndpoints(casts)...))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(context.Background())

	steps := osloClient(t, url, topic, "calls")
	for name, want := range osloValues {
		if got := steps["echo_"+name]; got.Error != "" || !sameJSON(got.Result, []byte(want)) {
			t.Errorf("echo %s: got %s (error %q %s), want %s", name, got.Result, got.Error, got.Message, want)
		}
	}
	var who map[string]any
	if err := json.Unmarshal(steps["whoami"].Result, &who); err != nil || who["request_id"] != "req-oslo-1" {
		t.Errorf("whoami: got %s, want the caller's context with request_id req-oslo-1", steps["whoami"].Result)
	}
	if got := steps["control"]; string(got.Result) != `"control 2.5"` {
		t.Errorf("control namespace at 2.3: got %+v, want \"control 2.5\"", got)
	}
	for step, want := range map[string]struct{ class, message string }{
		"fail":                {"ValueError", "it broke"},
		"no_such_method":      {"NoSuchMethod", "Endpoint does not support RPC method nope"},
		"unsupported_version": {"UnsupportedVersion", "Endpoint does not support RPC version 3.0. Attempted method: echo"},
		"bad_args":            {"TypeError", "unexpected keyword argument 'wrong'"},
	} {
		got := steps[step]
		if !strings.HasPrefix(got.Error, want.class) || !strings.Contains(got.Message, want.message) {
			t.Errorf("%s: got %s %q, want %s saying %q", step, got.Error, got.Message, want.class, want.message)
		}
	}
	if got := steps["call_monitor"]; string(got.Result) != "5" {
		t.Errorf("5 s call with a 2 s call_monitor_timeout: got %+v, want 5 (kept alive by heartbeats)", got)
	}

	osloClient(t, url, topic, "casts")
	seen := make(map[int]int)
	for len(seen) < 100 {
		select {
		case id := <-casts:
			seen[id]++
		case <-time.After(30 * time.Second):
			t.Fatalf("got %d of 100 oslo casts within 30 s", len(seen))
		}
	}
}

// TestRpcexecClientToOsloServer: an rpcexec client calls and casts to
// oslo.messaging's own RPC server.
func TestRpcexecClientToOsloServer(t *testing.T) {
	url := brokertest.OsloURL(t)
	topic := brokertest.Topic(t, "py-1")
	lines := brokertest.OsloServer[osloLine](t, "testdata/oslo/server.py", url, topic, "py-1")
	client, err := rpcexec.NewClient(rabbitConfig(t, url), rpcexec.Target{Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := dispatch.NewContext(context.Background(), dispatch.CallerContext{"request_id": "req-go-1"})

	for name, value := range osloValues {
		var got json.RawMessage
		err := client.Call(ctx, "echo", map[string]json.RawMessage{"value": json.RawMessage(value)}, &got)
		if err != nil || !sameJSON(got, []byte(value)) {
			t.Errorf("echo %s: got %s, %v; want %s", name, got, err, value)
		}
	}
	var who map[string]any
	if err := client.Call(ctx, "whoami", nil, &who); err != nil || who["request_id"] != "req-go-1" {
		t.Errorf("whoami: got %v, %v; want our context with request_id req-go-1", who, err)
	}
	var status string
	if err := client.Prepare(rpcexec.InNamespace("control"), rpcexec.AtVersion("2.1")).Call(ctx, "status", nil, &status); err != nil || status != "control 2.5" {
		t.Errorf("control status: got %q, %v", status, err)
	}

	err = client.Call(ctx, "fail", map[string]string{"message": "it broke"}, nil)
	var remote *dispatch.Error
	if !errors.As(err, &remote) || remote.Class != "ValueError" || remote.Module != "builtins" || remote.Message != "it broke" {
		t.Errorf("fail: got %#v, want builtins.ValueError \"it broke\"", err)
	}
	if err := client.Call(ctx, "nope", nil, nil); !errors.Is(err, dispatch.ErrNoSuchMethod) {
		t.Errorf("nope: got %v, want NoSuchMethod", err)
	}
	if err := client.Prepare(rpcexec.AtVersion("3.0")).Call(ctx, "echo", map[string]int{"value": 1}, nil); !errors.Is(err, dispatch.ErrUnsupportedVersion) {
		t.Errorf("version 3.0: got %v, want UnsupportedVersion", err)
	}
	var slept float64
	if err := client.Prepare(rpcexec.CallMonitor(2*time.Second)).Call(ctx, "sleep", map[string]int{"seconds": 4}, &slept); err != nil || slept != 4 {
		t.Errorf("4 s call with a 2 s call monitor: got %v, %v; want 4 (kept alive by oslo's heartbeats)", slept, err)
	}

	for i := range 20 {
		if err := client.Cast(ctx, "record", map[string]int{"id": i}); err != nil {
			t.Fatal(err)
		}
	}
	seen := make(map[float64]bool)
	for len(seen) < 20 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("oslo server exited")
			}
			if l.Cast == "record" {
				seen[l.Args["id"].(float64)] = true
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("oslo server handled %d of 20 casts within 30 s", len(seen))
		}
	}
}
