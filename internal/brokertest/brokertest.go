package brokertest

import (
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
	"github.com/rpcexec/rpcexec/internal/faultproxy"
)

// DefaultURL is used when AMQP_URL is not set.
const DefaultURL = "amqp://guest:guest@127.0.0.1:5672/"

// RequireEnv, set to 1 (as .ci/run does), turns a missing broker from a skip
// into a failure, so CI cannot pass by skipping.
const RequireEnv = "RPCEXEC_REQUIRE_BROKER"

// URL returns the broker's URL (AMQP_URL or DefaultURL) once it answers on
// TCP. Without a broker the test is skipped with how to run it, or fails
// when RequireEnv is set.
//
// go test -short skips every broker test (and so every oslo.messaging
// test), for a quick run on a machine that has a broker.
func URL(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: RabbitMQ tests skipped")
	}
	raw := os.Getenv("AMQP_URL")
	if raw == "" {
		raw = DefaultURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("brokertest: AMQP_URL is not a URL: %v", err)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "5672")
	}
	conn, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		msg := "RabbitMQ broker not reachable at " + host + " (" + err.Error() +
			"); start it with `rabbitmq-server -detached` or set AMQP_URL"
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal(msg + "; " + RequireEnv + "=1 makes broker tests required")
		}
		t.Skip(msg)
	}
	conn.Close()
	return raw
}

// Addr returns the broker's host:port, for a fault proxy to forward to.
func Addr(t testing.TB) string {
	t.Helper()
	u, err := url.Parse(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "5672")
	}
	return u.Host
}

// DeleteQueues deletes queues on the broker at url, for test clean-up:
// topic queues outlive the servers that declared them, as oslo's do.
func DeleteQueues(url string, queues ...string) error {
	conn, err := amqp091.Dial(url)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	for _, q := range queues {
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			return err
		}
	}
	return nil
}

// Channel opens a plain amqp091 channel on the test broker, for a test to
// declare, inspect or delete things directly; it is closed when the test
// ends.
func Channel(t testing.TB) *amqp091.Channel {
	t.Helper()
	conn, err := amqp091.Dial(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// Proxy starts a fault proxy in front of the test broker, closed when the
// test ends (after the servers using it, when started before them).
func Proxy(t testing.TB) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start(Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("closing the proxy: %v", err)
		}
	})
	return p
}
