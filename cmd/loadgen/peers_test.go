package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/syncbuf"
	"github.com/rpcexec/rpcexec/wire"
)

// startServer runs rpc-server with args until the test ends, once it is
// consuming.
func startServer(t *testing.T, args ...string) (stdout, stderr *syncbuf.Buffer, stop func() int) {
	t.Helper()
	stdout, stderr, stop = background(t, append([]string{"rpc-server"}, args...)...)
	stderr.Await(t, "loadgen rpc-server: serving", 0, 30*time.Second)
	return stdout, stderr, stop
}

// TestPeers runs rpc-server and rpc-client against each other in this
// process, on an embedded bus of the test's own.
func TestPeers(t *testing.T) {
	url := "memory://" + wire.NewID()
	out, errs, stop := startServer(t, "--url", url, "--topic", "t1", "--server", "host-1", "--executor", "goroutine", "--version", "1.4")
	if !strings.Contains(errs.String(), `serving topic "t1" as server "host-1" at memory://`) {
		t.Errorf("ready line = %q", errs.String())
	}
	client := func(args ...string) (int, string, string) {
		return loadgen(t.Context(), append([]string{"rpc-client", "--url", url, "--topic", "t1"}, args...)...)
	}
	tests := []struct {
		name        string
		args        []string
		status      int
		stdout      string
		stderrStart string
	}{
		{"echo", []string{"--method", "echo", "--args", `{"value": {"n": [1, 2.5, "x"]}}`}, exitOK, `{"n":[1,2.5,"x"]}` + "\n", ""},
		{"echo to the server", []string{"--args", `{"value": 7}`, "--server", "host-1", "--version", "1.2"}, exitOK, "7\n", ""},
		{"sleep", []string{"--method", "sleep", "--args", `{"seconds": 0.05}`}, exitOK, "0.05\n", ""},
		{"fail", []string{"--method", "fail", "--args", `{"message": "it broke"}`}, exitFailed, "", "ValueError: it broke\n"},
		{"no such method", []string{"--method", "nope"}, exitFailed, "", "NoSuchMethod: Endpoint does not support RPC method nope\n"},
		{"newer version", []string{"--version", "1.5"}, exitFailed, "", "UnsupportedVersion: "},
		{"cast", []string{"--cast", "--args", `{"value": 1}`}, exitOK, "", ""},
		{"fanout", []string{"--is-fanout"}, exitOK, "", ""},
		{"timeout", []string{"--method", "sleep", "--args", `{"seconds": 1}`, "--timeout", "0.2"}, exitFailed, "",
			"loadgen: rpc-client: rpcexec: call \"sleep\" to topic \"t1\" timed out after 200ms"},
		{"no server of the topic", []string{"--topic", "nobody"}, exitFailed, "", "loadgen: rpc-client: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, stdout, stderr := client(tt.args...)
			if status != tt.status || stdout != tt.stdout || !strings.HasPrefix(stderr, tt.stderrStart) ||
				(tt.stderrStart == "" && stderr != "") {
				t.Errorf("status %d, stdout %q, stderr %q; want %d, %q, %q…", status, stdout, stderr, tt.status, tt.stdout, tt.stderrStart)
			}
		})
	}

	// Many messages, paced: a summary line.
	status, stdout, stderr := client("--messages", "20", "--rate", "200", "--args", `{"value": "x"}`)
	if status != exitOK || !strings.HasPrefix(stdout, "sent 20 in ") || !strings.Contains(stdout, "0 failed; round trip p50") {
		t.Errorf("20 calls: status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	status, stdout, _ = client("--method", "stats")
	var counts map[string]int64
	if err := json.Unmarshal([]byte(stdout), &counts); status != exitOK || err != nil {
		t.Fatalf("stats: status %d, %q, %v", status, stdout, err)
	}
	// echo: 2 calls, 20 calls, 1 cast, 1 fanout cast; the unsupported version
	// never reached it. The sleep that timed out may still be sleeping.
	if counts["echo"] != 24 || counts["fail"] != 1 || counts["sleep"] < 1 || counts["stats"] != 0 {
		t.Errorf("stats() = %v, want echo 24, fail 1, sleep 1 or 2, stats 0", counts)
	}

	if status := stop(); status != exitOK {
		t.Errorf("rpc-server exited %d, want 0; stderr:\n%s", status, errs.String())
	}
	var final map[string]int64
	if err := json.Unmarshal([]byte(out.String()), &final); err != nil || final["stats"] != 1 || final["sleep"] != 2 {
		t.Errorf("rpc-server printed %q at stop, want the counts with stats 1, sleep 2", out.String())
	}
}
