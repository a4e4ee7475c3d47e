package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) // ants' default pool
}

// syncBuffer is an output a command writes from its goroutines while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until b holds s.
func (b *syncBuffer) waitFor(t *testing.T, s string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(b.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q within %v; output so far:\n%s", s, within, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// loadgen runs loadgen with args until it exits or ctx ends.
func loadgen(ctx context.Context, args ...string) (status int, stdout, stderr string) {
	var out, errs syncBuffer
	status = runContext(ctx, args, &out, &errs)
	return status, out.String(), errs.String()
}

// background runs loadgen with args on a goroutine until the returned stop
// ends its context; stop returns its exit status.
func background(t *testing.T, args ...string) (stdout, stderr *syncBuffer, stop func() int) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
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
