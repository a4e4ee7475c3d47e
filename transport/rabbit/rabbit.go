package rabbit

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/rpcexec/rpcexec/transport"
)

// Rabbit is a transport.Transport on RabbitMQ that shares queues with
// oslo.messaging services: it declares what oslo's rabbit driver declares
// and publishes as it does.
//
// Publishing goes through a pool of connections (see pool); each poller
// has its own connection, which poller/amqp rebuilds after a failure.
// Close closes the pool; pollers are closed by whoever holds them.
type Rabbit struct {
	url     transport.URL
	opts    Options
	tls     *tls.Config
	backoff func(attempt int) time.Duration // Backoff per round of hosts
	pool    *pool
	stats   counters
}

var _ transport.Transport = (*Rabbit)(nil)

// OpenRabbit returns a transport.Transport on the brokers of u. Zero fields of o are
// filled as Options describes and u's query overrides them.
//
// It checks the settings but does not connect, like oslo's get_transport:
// a service may start before its broker. Publish and the pollers connect
// when first needed and retry as the options say.
func OpenRabbit(_ context.Context, u transport.URL, o Options) (*Rabbit, error) {
	if len(u.Hosts) == 0 {
		return nil, fmt.Errorf("%w: %s names no RabbitMQ host", transport.ErrBadURL, u)
	}
	o, err := resolve(o, u.Query)
	if err != nil {
		return nil, err
	}
	tlsc, err := tlsConfig(u, o.TLS, o.Logger)
	if err != nil {
		return nil, err
	}
	r := &Rabbit{url: u, opts: o, tls: tlsc, backoff: perRound(len(u.Hosts), Backoff(o))}
	d := newDialer(u, o, tlsc, publishPurpose)
	r.pool = newPool(o.ConnPoolSize, func(ctx context.Context) (*pubConn, transport.Host, error) {
		return openPubConn(ctx, d)
	})
	return r, nil
}

// Close implements transport.Transport: it closes the publishing
// connections within ctx, which fails publishes in flight with
// transport.ErrClosed. It is idempotent.
func (r *Rabbit) Close(ctx context.Context) error {
	r.pool.close(ctx)
	return nil
}
