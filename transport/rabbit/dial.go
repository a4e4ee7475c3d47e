package rabbit

import (
	"context"
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"time"

	"github.com/rpcexec/rpcexec/transport"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// publishPurpose names the publishing pool's dialer, the one whose
// connections no heartbeat check watches.
const publishPurpose = "publish"

// dialTimeout bounds one connection attempt: TCP connect, TLS and the AMQP
// handshake, so a broker that accepts and then says nothing costs one
// attempt, not a hang.
const dialTimeout = 10 * time.Second

// brokerHeartbeat is the heartbeat interval rpcexec asks the broker for,
// given heartbeat_timeout_threshold, so that a silent broker is found
// within the threshold. RabbitMQ sends something at least every half
// interval; amqp091 closes a connection that heard nothing for 1.5
// intervals.
//
// A consumer's connection is checked by the listener every
// threshold/rate/2 (Poller.CheckHeartbeat), which finds one that heard
// nothing for the threshold less one check: it asks for the threshold
// itself, as oslo (kombu) does, and amqp091's deadline is the backstop. A
// publishing connection has no such check: it asks for 2/3 of the
// threshold, so amqp091's deadline falls on the threshold. amqp091 counts
// in whole seconds (rounded down, floor 1 s).
//
// A threshold of 0 asks for no heartbeats. amqp091 cannot refuse them,
// though: it then takes the broker's proposal (RabbitMQ: 60 s), so a
// connection without heartbeats needs the broker's heartbeat set to 0 too.
func brokerHeartbeat(threshold time.Duration, checked bool) time.Duration {
	if threshold <= 0 {
		return 0
	}
	if !checked {
		threshold = threshold * 2 / 3
	}
	return max(threshold.Truncate(time.Second), time.Second)
}

// hostOrder hands out a URL's hosts in kombu_failover_strategy's order:
// round-robin goes through them in order, continuing after the last one
// tried; shuffle goes through all of them in a new random order each
// round. Either way every host is tried once per round.
type hostOrder struct {
	mu    sync.Mutex
	hosts []transport.Host
	perm  func(n int) []int // a new round's order; nil for round-robin
	round []int             // this round's order, as indices into hosts
	next  int               // position in round
}

func newHostOrder(hosts []transport.Host, strategy string, perm func(n int) []int) *hostOrder {
	h := &hostOrder{hosts: hosts}
	if strategy == Shuffle {
		h.perm = perm
		return h
	}
	for i := range hosts {
		h.round = append(h.round, i)
	}
	return h
}

// take returns the host for the next attempt.
func (h *hostOrder) take() transport.Host {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.next == len(h.round) {
		h.next = 0
		if h.perm != nil {
			h.round = h.perm(len(h.hosts))
		}
	}
	i := h.round[h.next]
	h.next++
	return h.hosts[i]
}

// dialer makes connections to a URL's brokers, one attempt per call. Each
// purpose (the publishing pool, each poller) has its own, so each rotates
// through the hosts on its own failures, as kombu connections do.
type dialer struct {
	order     *hostOrder
	scheme    string // amqp or amqps, for amqp091
	vhost     string
	heartbeat time.Duration
	tls       *tls.Config // nil without TLS
	name      string      // connection_name, shown by rabbitmqctl and the management UI
}

func newDialer(u transport.URL, o Options, tlsc *tls.Config, purpose string) *dialer {
	checked := purpose != publishPurpose
	d := &dialer{
		order:     newHostOrder(u.Hosts, o.FailoverStrategy, rand.Perm),
		scheme:    "amqp",
		vhost:     u.VHost,
		heartbeat: brokerHeartbeat(o.Heartbeat, checked),
		tls:       tlsc,
		name:      fmt.Sprintf("rpcexec:%d:%s", os.Getpid(), purpose),
	}
	if tlsc != nil {
		d.scheme = "amqps"
	}
	return d
}

// connector adapts dial to poller/amqp, naming the broker in errors.
func (d *dialer) connector() connector {
	return func(ctx context.Context) (*link, error) {
		c, h, err := d.dial(ctx)
		if err != nil {
			return nil, fmt.Errorf("rabbit: connect to %s: %w", h.String(), err)
		}
		return c, nil
	}
}

// dial makes one connection attempt, to the next host in failover order,
// and says which host it tried. ctx bounds the whole attempt.
func (d *dialer) dial(ctx context.Context) (*link, transport.Host, error) {
	h := d.order.take()
	if err := ctx.Err(); err != nil {
		return nil, h, err
	}
	user, pass := h.Username, h.Password
	if user == "" { // kombu's default, which oslo URLs without credentials rely on
		user, pass = "guest", "guest"
	}
	var raw *socket
	var stop func() bool
	cfg := amqp091.Config{
		// Fresh values per attempt: amqp091 writes into the properties table.
		SASL:       []amqp091.Authentication{&amqp091.PlainAuth{Username: user, Password: pass}},
		Vhost:      d.vhost,
		Heartbeat:  d.heartbeat,
		Properties: amqp091.Table{"product": "rpcexec", "platform": "Go", "connection_name": d.name},
		Dial: func(network, addr string) (net.Conn, error) {
			nd := net.Dialer{Timeout: dialTimeout}
			c, err := nd.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// amqp091 clears this deadline once the handshake is done.
			_ = c.SetDeadline(time.Now().Add(dialTimeout))
			raw = newSocket(c)
			stop = context.AfterFunc(ctx, raw.kill)
			return raw, nil
		},
	}
	if d.tls != nil {
		// Cloned: amqp091 would set ServerName on a shared config.
		cfg.TLSClientConfig = d.tls.Clone()
		if cfg.TLSClientConfig.ServerName == "" {
			cfg.TLSClientConfig.ServerName = h.Hostname
		}
	}
	uri := d.scheme + "://" + h.Addr() + "/"
	if d.heartbeat == 0 {
		uri += "?heartbeat=0" // else amqp091 asks for its own 10 s
	}
	c, err := amqp091.DialConfig(uri, cfg)
	if stop != nil && !stop() {
		err = ctx.Err() // ctx ended mid-handshake: whatever happened, it broke the deadline
	}
	if err != nil {
		if raw != nil {
			raw.Close() // amqp091 leaves its reader running on a failed handshake
		}
		return nil, h, err
	}
	return &link{Connection: c, sock: raw}, h, nil
}
