package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec/transport"
)

// ErrUnreachable is wrapped by *UnreachableError.
var ErrUnreachable = errors.New("bench: RabbitMQ unreachable")

// UnreachableError says that no broker of a URL answered. URL is redacted.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach RabbitMQ at %s: %v", e.URL, e.Err)
}

// Unwrap makes errors.Is(err, ErrUnreachable) true and keeps the cause.
func (e *UnreachableError) Unwrap() []error { return []error{ErrUnreachable, e.Err} }

// probeTimeout bounds the connection attempt to each host.
const probeTimeout = 5 * time.Second

// IsRabbit reports whether rawURL names RabbitMQ rather than the embedded bus.
func IsRabbit(rawURL string) bool {
	u, err := transport.ParseURL(rawURL)
	return err == nil && u.Scheme != "memory"
}

// Probe connects to the first broker of rawURL that answers and returns an
// AMQP URI for it, so a run fails at once with one clear error rather than
// retrying inside a server. rpcexec's RabbitMQ transport connects lazily,
// as oslo's does, which is right for a service and wrong for a measurement.
func Probe(ctx context.Context, rawURL string) (uri string, err error) {
	u, err := transport.ParseURL(rawURL)
	if err != nil {
		return "", err
	}
	var last error
	for _, h := range u.Hosts {
		uri = amqpURI(u, h)
		c, err := dial(ctx, uri)
		if err == nil {
			return uri, c.Close()
		}
		last = err
	}
	return "", &UnreachableError{URL: u.String(), Err: last}
}

// amqpURI is an amqp091 URI for host h of u, with kombu's default
// credentials when the URL has none.
func amqpURI(u transport.URL, h transport.Host) string {
	user := url.UserPassword("guest", "guest")
	if h.Username != "" {
		user = url.UserPassword(h.Username, h.Password)
	}
	scheme := "amqp"
	if u.Scheme == "amqps" {
		scheme = "amqps"
	}
	vhost := "/" + url.PathEscape(u.VHost)
	if u.VHost == "/" {
		vhost = "/"
	}
	return (&url.URL{Scheme: scheme, User: user, Host: h.Addr()}).String() + vhost
}

// dial connects with a bounded handshake.
func dial(ctx context.Context, uri string) (*amqp091.Connection, error) {
	return amqp091.DialConfig(uri, amqp091.Config{
		Heartbeat: 10 * time.Second,
		Dial: func(network, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: probeTimeout}
			c, err := d.DialContext(ctx, network, addr)
			if err == nil {
				_ = c.SetDeadline(time.Now().Add(probeTimeout)) // amqp091 clears it after the handshake
			}
			return c, err
		},
		Properties: amqp091.Table{"product": "rpcexec-bench", "connection_name": "rpcexec:bench"},
	})
}

// deleteQueues removes queues a run declared, best effort: the names are
// unique to the run, so what is left only takes room on the broker.
func deleteQueues(ctx context.Context, uri string, names ...string) error {
	c, err := dial(ctx, uri)
	if err != nil {
		return err
	}
	defer c.Close()
	var errs []error
	for _, name := range names {
		ch, err := c.Channel()
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		if _, err := ch.QueueDelete(name, false, false, false); err != nil {
			errs = append(errs, fmt.Errorf("bench: deleting queue %q: %w", name, err))
			continue // the channel is closed by the error
		}
		_ = ch.Close()
	}
	return errors.Join(errs...)
}
