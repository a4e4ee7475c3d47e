package rabbit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/transport"
)

// TestPoolBounded runs 100 publishers on a pool of 5: they share at most
// 5 connections, and every message is confirmed.
func TestPoolBounded(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	o := fastOptions()
	o.ConnPoolSize = 5
	r := openRabbit(t, brokerURL(t), o)
	var opened atomic.Int64
	open := r.pool.open
	r.pool.open = func(ctx context.Context) (*pubConn, transport.Host, error) {
		opened.Add(1)
		return open(ctx)
	}
	const publishers, each = 100, 5
	var wg sync.WaitGroup
	errs := make(chan error, publishers*each)
	for range publishers {
		wg.Go(func() {
			for range each {
				errs <- r.Publish(context.Background(), transport.ReplyAddress(q), transport.Message{Body: []byte("{}"), Mandatory: true})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := opened.Load(); n > 5 || n == 0 {
		t.Errorf("opened %d connections, want 1 to 5", n)
	}
	if n := depth(t, c, q); n != publishers*each {
		t.Errorf("queue holds %d messages, want %d", n, publishers*each)
	}
}

func TestClose(t *testing.T) {
	c := rawConn(t)
	q := testQueue(t, c)
	r := openRabbit(t, brokerURL(t), fastOptions())
	ctx := context.Background()
	if err := r.Publish(ctx, transport.ReplyAddress(q), transport.Message{Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := r.Close(context.Background()); err != nil {
			t.Errorf("Close %d: %v", i+1, err)
		}
	}
	if err := r.Publish(ctx, transport.ReplyAddress(q), transport.Message{Body: []byte("{}")}); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Publish after Close: got %v, want ErrClosed", err)
	}
	if _, err := r.Listen(ctx, transport.Subscription{Topic: "t", Server: "s"}, 1); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Listen after Close: got %v, want ErrClosed", err)
	}
	if _, _, err := r.ListenReplies(ctx, 1); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("ListenReplies after Close: got %v, want ErrClosed", err)
	}
}

// TestCloseStopsRetries closes the transport under a publish that retries
// forever: the publish ends at once with transport.ErrClosed.
func TestCloseStopsRetries(t *testing.T) {
	p := brokertest.Proxy(t)
	p.Refuse()
	o := fastOptions()
	o.PublishRetry, o.RetryInterval, o.IntervalMax = -1, time.Hour, time.Hour
	log, retries := countLogs("rabbit: publish failed; retrying")
	o.Logger = log
	r := openRabbit(t, brokerURL(t, p.Addr()), o)
	done := make(chan error, 1)
	go func() {
		done <- r.Publish(context.Background(), transport.ReplyAddress("reply_x"), transport.Message{Body: []byte("{}")})
	}()
	eventually(t, 5*time.Second, "the publish waits to retry", func() bool { return retries.Load() == 1 })
	r.Close(context.Background())
	select {
	case err := <-done:
		if !errors.Is(err, transport.ErrClosed) {
			t.Errorf("got %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("publish still retrying after Close")
	}
}
