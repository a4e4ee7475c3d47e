package main

// Interop with oslo.messaging itself, over RabbitMQ. These tests need a
// broker (AMQP_URL, default guest@127.0.0.1:5672) and /usr/bin/python3
// with Debian's python3-oslo.messaging; they skip without them (and fail
// under RPCEXEC_REQUIRE_BROKER=1, as in CI).

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/brokertest"
)

// osloStep is one line printed by the Python peers.
type osloStep struct {
	Step    string          `json:"step"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
	Cast    string          `json:"cast"`
	Args    map[string]any  `json:"args"`
}

// TestOsloClientToRPCServer: oslo.messaging's RPC client calls and casts
// to `loadgen rpc-server`.
func TestOsloClientToRPCServer(t *testing.T) {
	rabbit := brokertest.OsloURL(t)
	topic := brokertest.Topic(t, "host-1")
	out, errs, stop := startServer(t, "--url", rabbit, "--topic", topic, "--server", "host-1", "--version", "1.3")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	raw, err := exec.CommandContext(ctx, brokertest.Python, "testdata/sim_client.py", rabbit, topic, "host-1", "1.2").Output()
	if err != nil {
		t.Fatalf("sim_client.py: %v\n%s", err, exitStderr(err))
	}
	steps := map[string]osloStep{}
	for line := range strings.Lines(string(raw)) {
		var s osloStep
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("sim_client.py printed %q", line)
		}
		steps[s.Step] = s
	}
	for name, want := range map[string]string{
		"echo": `{"a": [1, "two", null]}`, "echo_server": `42`, "sleep": `0.1`, "cast": `null`, "fanout": `null`,
	} {
		if got := steps[name]; got.Error != "" || compact(got.Result) != compact(json.RawMessage(want)) {
			t.Errorf("%s: %+v, want result %s", name, got, want)
		}
	}
	if got := steps["fail"]; got.Error != "ValueError" || got.Message != "it broke" {
		t.Errorf("fail: %+v, want ValueError: it broke", got)
	}
	var counts map[string]int64
	if err := json.Unmarshal(steps["stats"].Result, &counts); err != nil || counts["echo"] < 2 || counts["fail"] != 1 {
		t.Errorf("stats: %s, %v", steps["stats"].Result, err)
	}
	if status := stop(); status != exitOK {
		t.Fatalf("rpc-server exited %d:\n%s", status, errs.String())
	}
	var final map[string]int64
	if err := json.Unmarshal([]byte(out.String()), &final); err != nil || final["echo"] != 4 || final["stats"] != 1 {
		t.Errorf("rpc-server's counts = %q, want echo 4 (2 calls, a cast, a fanout), stats 1", out.String())
	}
}

// TestRPCClientToOsloServer: `loadgen rpc-client` calls and casts to
// oslo.messaging's RPC server (testdata/oslo/server.py at the repo root).
func TestRPCClientToOsloServer(t *testing.T) {
	rabbit := brokertest.OsloURL(t)
	topic := brokertest.Topic(t, "py-1")
	lines := brokertest.OsloServer[osloStep](t, "../../testdata/oslo/server.py", rabbit, topic, "py-1")
	client := func(args ...string) (int, string, string) {
		return loadgen(t.Context(), append([]string{"rpc-client", "--url", rabbit, "--topic", topic}, args...)...)
	}
	for _, tt := range []struct {
		name           string
		args           []string
		status         int
		stdout, stderr string
	}{
		{"echo", []string{"--args", `{"value": {"a": [1, "two", null]}}`}, exitOK, `{"a":[1,"two",null]}` + "\n", ""},
		{"echo to the server", []string{"--args", `{"value": 42}`, "--server", "py-1"}, exitOK, "42\n", ""},
		{"sleep", []string{"--method", "sleep", "--args", `{"seconds": 0.1}`}, exitOK, "0.1\n", ""},
		{"fail", []string{"--method", "fail", "--args", `{"message": "it broke"}`}, exitFailed, "", "ValueError: it broke\n"},
		{"no such method", []string{"--method", "nope"}, exitFailed, "", "NoSuchMethod: Endpoint does not support RPC method nope\n"},
		{"cast", []string{"--method", "record", "--args", `{"id": 1}`, "--cast"}, exitOK, "", ""},
		{"fanout", []string{"--method", "record", "--args", `{"id": 2}`, "--fanout"}, exitOK, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, stdout, stderr := client(tt.args...)
			if status != tt.status || stdout != tt.stdout || stderr != tt.stderr {
				t.Errorf("status %d, stdout %q, stderr %q; want %d, %q, %q", status, stdout, stderr, tt.status, tt.stdout, tt.stderr)
			}
		})
	}
	got := map[float64]bool{}
	timeout := time.After(30 * time.Second)
	for len(got) < 2 {
		select {
		case l := <-lines:
			if l.Cast == "record" {
				got[l.Args["id"].(float64)] = true
			}
		case <-timeout:
			t.Fatalf("oslo server handled the casts %v, want ids 1 and 2", got)
		}
	}
}

func compact(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
