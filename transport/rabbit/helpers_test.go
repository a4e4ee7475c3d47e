package rabbit

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/transport"

	amqp091 "github.com/rabbitmq/amqp091-go"
	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/wire"
)

// TestMain checks that every goroutine the tests start, amqp091's readers
// and heartbeaters among them, is gone when they end: Close must close
// every connection.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// brokerURL is the test broker's URL with its hosts replaced by addrs
// (proxies, closed ports), keeping its credentials and vhost.
func brokerURL(t *testing.T, addrs ...string) transport.URL {
	t.Helper()
	u, err := transport.ParseURL(brokertest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(addrs) == 0 {
		return u
	}
	creds := u.Hosts[0]
	u.Hosts = nil
	for _, a := range addrs {
		hu, err := transport.ParseURL("amqp://" + a)
		if err != nil {
			t.Fatal(err)
		}
		h := hu.Hosts[0]
		h.Username, h.Password = creds.Username, creds.Password
		u.Hosts = append(u.Hosts, h)
	}
	return u
}

// fastOptions retry every few milliseconds so outage tests run quickly.
func fastOptions() Options {
	o := DefaultOptions()
	o.RetryInterval, o.RetryBackoff, o.IntervalMax = 10*time.Millisecond, 10*time.Millisecond, 50*time.Millisecond
	o.Logger = slog.New(slog.DiscardHandler)
	return o
}

// openRabbit opens a transport closed with the test.
func openRabbit(t *testing.T, u transport.URL, o Options) *Rabbit {
	t.Helper()
	r, err := OpenRabbit(context.Background(), u, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(context.Background()) })
	return r
}

// rawConn is a plain amqp091 connection to the test broker, for checking
// what the transport did.
func rawConn(t *testing.T) *amqp091.Connection {
	t.Helper()
	c, err := amqp091.Dial(brokertest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawChannel opens a channel on c; a channel error closes it, so tests
// take a fresh one per check.
func rawChannel(t *testing.T, c *amqp091.Connection) *amqp091.Channel {
	t.Helper()
	ch, err := c.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// unique names test entities so runs and tests never meet.
func unique(prefix string) string { return "rpcexec-test-" + prefix + "-" + wire.NewID()[:8] }

// deleteLater deletes queues and exchanges when the test ends.
func deleteLater(t *testing.T, c *amqp091.Connection, queues, exchanges []string) {
	t.Cleanup(func() {
		ch, err := c.Channel()
		if err != nil {
			return
		}
		defer ch.Close()
		for _, q := range queues {
			_, _ = ch.QueueDelete(q, false, false, false)
		}
		for _, x := range exchanges {
			_ = ch.ExchangeDelete(x, false, false)
		}
	})
}

// countingHandler counts log records with a given message.
type countingHandler struct {
	slog.Handler
	msg string
	n   *atomic.Int64
}

func (countingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.n.Add(1)
	}
	return nil
}

func countLogs(msg string) (*slog.Logger, *atomic.Int64) {
	n := new(atomic.Int64)
	return slog.New(countingHandler{Handler: slog.DiscardHandler, msg: msg, n: n}), n
}
