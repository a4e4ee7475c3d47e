package pollertest

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/poller"
)

// testCompeting: two Pollers on one queue each get distinct messages and
// together all of them.
func testCompeting(t *testing.T, h Harness) {
	q := queueName(t)
	pollers := []poller.Poller{h.Open(t, q, 5), h.Open(t, q, 5)}
	for _, p := range pollers {
		defer closePoller(t, p)
	}
	const n = 40
	publish(t, h, q, numbered(n)...)
	seen := make(map[string]int)
	var each [2]int
	deadline := time.Now().Add(patience)
	for total := 0; total < n; {
		if time.Now().After(deadline) {
			t.Fatalf("received %d of %d messages within %v", total, n, patience)
		}
		for i, p := range pollers {
			batch, err := p.Poll(t.Context(), 100*time.Millisecond, 5)
			if err != nil {
				t.Fatalf("Poll: %v", err)
			}
			for _, m := range batch {
				seen[string(m.Body)]++
			}
			each[i] += len(batch)
			total += len(batch)
			if len(batch) > 0 {
				settle(t, p, poller.Ack, batch...)
			}
		}
	}
	for _, b := range numbered(n) {
		if seen[b] != 1 {
			t.Errorf("message %q received %d times, want once", b, seen[b])
		}
	}
	if each[0] == 0 || each[1] == 0 {
		t.Errorf("the consumers received %d and %d messages, want both some", each[0], each[1])
	}
	for _, p := range pollers {
		expectNone(t, p)
	}
}

// testConcurrentPublish: messages published from several goroutines while
// the loop polls arrive exactly once each.
func testConcurrentPublish(t *testing.T, h Harness) {
	const n, publishers = 2000, 4
	q := queueName(t)
	p := h.Open(t, q, 256)
	defer closePoller(t, p)
	var wg sync.WaitGroup
	defer wg.Wait()
	errs := make(chan error, publishers)
	for w := range publishers {
		wg.Go(func() {
			for i := w; i < n; i += publishers {
				if err := h.Publish(t, q, []byte(strconv.Itoa(i))); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	seen := make([]int, n)
	deadline := time.Now().Add(patience)
	for got := 0; got < n; {
		select {
		case err := <-errs:
			t.Fatalf("Publish: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %d of %d messages within %v", got, n, patience)
		}
		batch, err := p.Poll(t.Context(), time.Second, 64)
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		for _, m := range batch {
			i, err := strconv.Atoi(string(m.Body))
			if err != nil || i < 0 || i >= n {
				t.Fatalf("unexpected message %q", m.Body)
			}
			seen[i]++
		}
		got += len(batch)
		if len(batch) > 0 {
			settle(t, p, poller.Ack, batch...)
		}
	}
	for i, c := range seen {
		if c != 1 {
			t.Errorf("message %d received %d times, want once", i, c)
		}
	}
	expectNone(t, p)
}
