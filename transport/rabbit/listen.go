package rabbit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rpcexec/rpcexec/transport"

	"github.com/rpcexec/rpcexec/poller"
)

// Listen implements transport.Transport: it declares t's queues as an oslo server
// does and consumes them. The fanout queue's name is drawn once here and
// declared again under that name after every reconnect; closing the
// poller deletes it, as oslo does, rather than let it gather fanout
// messages until it expires.
func (r *Rabbit) Listen(ctx context.Context, t transport.Subscription, prefetch int) (poller.Poller, error) {
	if r.pool.isClosed() {
		return nil, transport.ErrClosed
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	fanout := transport.FanoutQueueName(t.Topic)
	name := t.Topic + "." + t.Server
	p, err := r.listen(ctx, "listen:"+name, transport.ServerQueues(t, fanout, r.opts.Queues), prefetch)
	if err != nil {
		return nil, fmt.Errorf("rabbit: listening on %s at %s: %w", name, r.url, err)
	}
	return r.dropping(p, fanout), nil
}

// ListenReplies implements transport.Transport with a new reply_<uuid hex> queue,
// deleted when the poller closes: nobody else can use it, so it need not
// wait out its expiry.
func (r *Rabbit) ListenReplies(ctx context.Context, prefetch int) (string, poller.Poller, error) {
	if r.pool.isClosed() {
		return "", nil, transport.ErrClosed
	}
	queue := transport.ReplyQueueName()
	p, err := r.listen(ctx, "reply", transport.ReplyQueues(queue), prefetch)
	if err != nil {
		return "", nil, fmt.Errorf("rabbit: listening for replies at %s: %w", r.url, err)
	}
	return queue, r.dropping(p, queue), nil
}

// listen starts a poller on a connection of its own that declares qs on
// every (re)connect. newPoller makes one attempt at first; listen
// retries it like a reconnect (next host, Backoff per round of hosts, up
// to MaxRetries, as long as ctx lasts), as oslo's server start waits for
// its broker, and logs each failure with the host it tried and every host
// tried so far. An error about the declarations themselves is returned at
// once; for a durability conflict, which the broker's answer alone does
// not settle, the advice says what the first queue (the topic queue)
// turned out to be.
func (r *Rabbit) listen(ctx context.Context, purpose string, qs []transport.Queue, prefetch int) (*Poller, error) {
	d := newDialer(r.url, r.opts, r.tls, purpose)
	var last atomic.Pointer[string] // the host of the latest attempt; reconnects use connect too
	connect := func(ctx context.Context) (*link, error) {
		c, h, err := d.dial(ctx)
		addr := h.String()
		last.Store(&addr)
		if err != nil {
			return nil, fmt.Errorf("rabbit: connect to %s: %w", addr, err)
		}
		return c, nil
	}
	// A probe under ctx: after a reconnect, when ctx may have ended, a
	// conflict gets the advice the broker's answer alone allows.
	look := func(queue string) queueKind { return probe(ctx, d, queue) }
	o := consumeOptions{Prefetch: prefetch, RetryDelay: r.backoff, MaxRetries: r.opts.MaxRetries,
		Silence: r.opts.silence(), Verify: r.opts.checkInterval(), Logger: r.opts.Logger}
	var tried []string
	for attempt := 1; ; attempt++ {
		p, err := startPoller(ctx, connect, declarer(qs, r.opts, look), o)
		if err == nil {
			return p, nil
		}
		if !retryable(err) || errors.Is(err, errInvalidConsume) ||
			(r.opts.MaxRetries > 0 && attempt > r.opts.MaxRetries) {
			return nil, err
		}
		host := ""
		if h := last.Load(); h != nil {
			host = *h
		}
		if host != "" && !slices.Contains(tried, host) {
			tried = append(tried, host)
		}
		delay := r.backoff(attempt)
		r.opts.Logger.Warn("rabbit: cannot listen yet; retrying", "purpose", purpose, "attempt", attempt,
			"host", host, "hosts_tried", strings.Join(tried, ", "), "retry_in", delay, "err", err)
		if werr := r.wait(ctx, delay); werr != nil {
			return nil, fmt.Errorf("%w after %d attempts (hosts tried: %s); last error: %w",
				werr, attempt, strings.Join(tried, ", "), err)
		}
	}
}

// droppingPoller deletes its own queue (a server's fanout queue, a reply
// queue) when closed, and says whether it is connected (see watch). It
// embeds the concrete poller so that its heartbeat check stays visible to
// the listener.
type droppingPoller struct {
	*Poller
	queue string // the queue it deletes
	drop  func(ctx context.Context)
	watch watch
}

// OwnQueue names the queue the poller deletes when it closes: a program
// that may exit without closing it (loadgen) deletes it by that name.
func (p *droppingPoller) OwnQueue() string { return p.queue }

func (r *Rabbit) dropping(p *Poller, queue string) *droppingPoller {
	d := &droppingPoller{Poller: p, queue: queue, drop: func(ctx context.Context) { r.deleteQueue(ctx, queue) }}
	d.watch.stats = &r.stats
	d.watch.observe(p)
	return d
}

// Poll implements poller.Poller, noting the connection's state after it.
func (p *droppingPoller) Poll(ctx context.Context, timeout time.Duration, max int) ([]*poller.Message, error) {
	msgs, err := p.Poller.Poll(ctx, timeout, max)
	p.watch.observe(p.Poller)
	return msgs, err
}

// CheckHeartbeat implements heartbeat.Checker, noting the connection's
// state after it.
func (p *droppingPoller) CheckHeartbeat(ctx context.Context) error {
	err := p.Poller.CheckHeartbeat(ctx)
	p.watch.observe(p.Poller)
	return err
}

// Connected reports whether the poller consumes on a live connection: not
// while reconnecting, nor after Close. Safe from any goroutine.
func (p *droppingPoller) Connected() bool { return p.watch.connected.Load() }

// Close closes the poller, then deletes the queue once, both within ctx.
func (p *droppingPoller) Close(ctx context.Context) error {
	err := p.Poller.Close(ctx)
	p.watch.connected.Store(false)
	if p.drop != nil {
		p.drop(ctx)
		p.drop = nil
	}
	return err
}

// deleteQueue deletes a queue over a publishing connection, best effort
// within ctx and closeTimeout: when it fails the queue still expires
// (x-expires).
func (r *Rabbit) deleteQueue(ctx context.Context, name string) {
	ctx, cancel := context.WithTimeout(ctx, closeTimeout)
	defer cancel()
	c, _, err := r.pool.get(ctx)
	if err != nil {
		r.opts.Logger.Warn("rabbit: queue left to expire", "queue", name, "err", err)
		return
	}
	stop := c.conn.bound(ctx)
	ch, err := c.conn.Channel()
	if err == nil {
		_, err = ch.QueueDelete(name, false, false, false)
		_ = ch.Close()
	}
	if !stop() || err != nil {
		r.opts.Logger.Warn("rabbit: queue left to expire", "queue", name, "err", errors.Join(err, ctx.Err()))
		r.pool.discard(c)
		return
	}
	r.pool.put(c)
}
