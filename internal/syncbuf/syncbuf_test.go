package syncbuf

import (
	"fmt"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAwaitWakesOnWrite(t *testing.T) {
	var b Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 3 {
			fmt.Fprintf(&b, "line %d ready\n", i)
		}
	}()
	b.Await(t, "ready", 2, 10*time.Second)
	<-done
	if got := b.Count("ready"); got != 3 {
		t.Errorf("Count = %d, want 3", got)
	}
}

func TestAwaitFailsAfterWithin(t *testing.T) {
	var b Buffer
	ft := &fatalRecorder{TB: t}
	func() {
		defer func() { recover() }()
		b.Await(ft, "never", 0, 10*time.Millisecond)
	}()
	if !ft.failed {
		t.Error("Await of a text never written did not fail")
	}
}

// fatalRecorder records Fatalf instead of ending the test.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}
