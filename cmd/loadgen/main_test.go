package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/syncbuf"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) // ants' default pool
}

// loadgen runs loadgen with args until it exits or ctx ends.
func loadgen(ctx context.Context, args ...string) (status int, stdout, stderr string) {
	var out, errs syncbuf.Buffer
	status = runContext(ctx, args, &out, &errs)
	return status, out.String(), errs.String()
}

// background runs loadgen with args on a goroutine until the returned stop
// ends its context; stop returns its exit status.
func background(t *testing.T, args ...string) (stdout, stderr *syncbuf.Buffer, stop func() int) {
	t.Helper()
	stdout, stderr = &syncbuf.Buffer{}, &syncbuf.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, args, stdout, stderr) }()
	var once sync.Once
	status := 0
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case status = <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("loadgen %s did not stop within 30 s", args[0])
			}
		})
		return status
	}
	t.Cleanup(func() { stop() })
	return stdout, stderr, stop
}
