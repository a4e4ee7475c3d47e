package pollertest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/poller"
)

// Harness connects the suite to one transport.
type Harness struct {
	// Open returns a Poller consuming queue with the given prefetch (0 means
	// unbounded), declaring the queue first if needed. A second Open of the
	// same queue competes for its messages, and the queue must outlive its
	// consumers (not auto-delete). Open fails t on error and may register
	// cleanups (closing the Poller, deleting the queue) with t.Cleanup; the
	// suite closes what it opens as well.
	Open func(t *testing.T, queue string, prefetch int) poller.Poller
	// Publish puts body on queue (through the default exchange on AMQP). The
	// suite opens a queue before publishing to it. Publish is called from
	// several goroutines at once, so it returns its error rather than failing t.
	Publish func(t *testing.T, queue string, body []byte) error
}

// Timings of the suite.
const (
	// quiet is how long a Poll must stay empty to show that nothing more is
	// coming.
	quiet = 200 * time.Millisecond
	// patience bounds the wait for messages that should arrive.
	patience = 10 * time.Second
)

// Run runs the contract as subtests of t.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		run  func(*testing.T, Harness)
	}{
		{"PollTimeout", testPollTimeout},
		{"CancelWhileWaiting", testCancelWhileWaiting},
		{"DoneContextDropsNothing", testDoneContext},
		{"ArrivalWakesPoll", testArrivalWakes},
		{"MaxRespected", testMax},
		{"PrefetchRespected", testPrefetch},
		{"FIFO", testFIFO},
		{"AckRemoves", testAck},
		{"RequeueRedelivers", testRequeue},
		{"RejectRemoves", testReject},
		{"CloseReturnsUnsettled", testCloseReturns},
		{"UseAfterClose", testUseAfterClose},
		{"CompetingConsumers", testCompeting},
		{"ConcurrentPublish", testConcurrentPublish},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, h) })
	}
}

// queueName is unique per test and run.
func queueName(t *testing.T) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name())
	return fmt.Sprintf("pollertest.%s.%016x", name, rand.Uint64())
}

// publish puts the bodies on queue in order.
func publish(t *testing.T, h Harness, queue string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		if err := h.Publish(t, queue, []byte(b)); err != nil {
			t.Fatalf("Publish(%q, %q) = %v, want nil", queue, b, err)
		}
	}
}

// numbered returns the bodies "0" … "n-1".
func numbered(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprint(i)
	}
	return s
}

// receive polls until n messages have arrived, checking that no batch is
// larger than max, and fails t if they do not arrive within patience.
func receive(t *testing.T, p poller.Poller, n, max int) []*poller.Message {
	t.Helper()
	var got []*poller.Message
	deadline := time.Now().Add(patience)
	for len(got) < n {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("received %d messages %q within %v, want %d", len(got), bodies(got), patience, n)
		}
		want := min(max, n-len(got))
		batch, err := p.Poll(t.Context(), min(left, time.Second), want)
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		if len(batch) > want {
			t.Fatalf("Poll(max=%d) returned %d messages", want, len(batch))
		}
		got = append(got, batch...)
	}
	return got
}

// expectNone checks that nothing arrives for a while.
func expectNone(t *testing.T, p poller.Poller) {
	t.Helper()
	batch, err := p.Poll(t.Context(), quiet, 10)
	if err != nil || len(batch) != 0 {
		t.Fatalf("Poll = %q, %v; want no messages, nil", bodies(batch), err)
	}
}

// settle applies one outcome to msgs.
func settle(t *testing.T, p poller.Poller, o poller.Outcome, msgs ...*poller.Message) {
	t.Helper()
	batch := make([]poller.Settlement, len(msgs))
	for i, m := range msgs {
		batch[i] = poller.Settlement{Msg: m, Outcome: o}
	}
	if err := p.Settle(t.Context(), batch); err != nil {
		t.Fatalf("Settle(%v) = %v, want nil", o, err)
	}
}

func closePoller(t *testing.T, p poller.Poller) {
	t.Helper()
	if err := p.Close(context.Background()); err != nil {
		t.Fatalf("Close = %v, want nil", err)
	}
}

func bodies(msgs []*poller.Message) []string {
	s := make([]string, len(msgs))
	for i, m := range msgs {
		s[i] = string(m.Body)
	}
	return s
}
