package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/internal/syncbuf"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) // ants' default pool
}

// TestPythonClient runs client.py against the example server.
func TestPythonClient(t *testing.T) {
	url := brokertest.OsloURL(t)
	t.Cleanup(func() { brokertest.DeleteQueues(brokertest.URL(t), Topic, Topic+".go-1") })
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = url
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncbuf.Buffer
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- serve(ctx, cfg, &logs, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	run, stop := context.WithTimeout(context.Background(), 2*time.Minute)
	defer stop()
	out, err := exec.CommandContext(run, brokertest.Python, "client.py", url).CombinedOutput()
	if err != nil {
		t.Fatalf("client.py: %v\n%s", err, out)
	}
	for _, want := range []string{
		"get_state: {'instance_id': 'vm-42', 'power_state': 'running', 'request_id': 'req-0f6d3a3e-from-python'}",
		"get_state of nothing failed: InstanceNotFound - Instance could not be found.",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("client.py printed:\n%s\nwant a line %q", out, want)
		}
	}
	if !strings.Contains(logs.String(), "request_id=req-0f6d3a3e-from-python user_id=admin") {
		t.Errorf("server log lacks the caller's context:\n%s", logs.String())
	}
}
