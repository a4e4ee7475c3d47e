package syncbuf

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// Buffer is safe for concurrent use; the zero value is ready.
type Buffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{} // signalled after each write
}

func (b *Buffer) signal() chan struct{} {
	if b.written == nil {
		b.written = make(chan struct{}, 1)
	}
	return b.written
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.signal() <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Count returns how often substr occurs in what was written.
func (b *Buffer) Count(substr string) int { return strings.Count(b.String(), substr) }

// Await waits until substr occurs more than n times, failing t after
// within.
func (b *Buffer) Await(t testing.TB, substr string, n int, within time.Duration) {
	t.Helper()
	b.mu.Lock()
	written := b.signal()
	b.mu.Unlock()
	deadline := time.After(within)
	for b.Count(substr) <= n {
		select {
		case <-written:
		case <-deadline:
			t.Fatalf("no %q within %v; written so far:\n%s", substr, within, b.String())
		}
	}
}
