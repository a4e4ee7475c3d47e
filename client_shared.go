package rpcexec

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/wire"
)

// ClientOption adjusts a new client, and so the clients Prepare makes of
// it, which share its transport, reply queue and interceptors.
type ClientOption func(*Client)

// WithClientTransport makes the client use tr, which stays open after the
// client closes, instead of opening its own from Config.TransportURL.
func WithClientTransport(tr transport.Transport) ClientOption {
	return func(c *Client) { c.shared.tr = tr }
}

// clientShared is the state a client and the clients Prepare makes of it
// share: the transport and the reply queue, both made on first use.
type clientShared struct {
	cfg       Config
	intercept ClientInterceptor // from WithClientInterceptors

	mu     sync.Mutex
	tr     transport.Transport
	ownTr  bool
	rq     *replyQueue
	closed bool

	// resends are the goroutines sending again casts whose asynchronous
	// attempt failed (see castAsync); close ends and waits for them. Not
	// under mu: resend runs on the transport's goroutine, which closing the
	// transport (under mu) waits for.
	resendMu sync.Mutex
	ended    bool
	resends  sync.WaitGroup
	life     context.Context
	end      context.CancelFunc
}

func newClientShared(cfg Config) *clientShared {
	s := &clientShared{cfg: cfg}
	s.life, s.end = context.WithCancel(context.Background())
	return s
}

func (s *clientShared) transport(ctx context.Context) (transport.Transport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transportLocked(ctx)
}

func (s *clientShared) transportLocked(ctx context.Context) (transport.Transport, error) {
	if s.closed {
		return nil, ErrClientClosed
	}
	if s.tr == nil {
		tr, err := OpenTransport(ctx, s.cfg)
		if err != nil {
			return nil, err
		}
		s.tr, s.ownTr = tr, true
	}
	return s.tr, nil
}

// replies returns the reply queue, starting its consumer on the first call.
func (s *clientShared) replies(ctx context.Context) (*replyQueue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rq != nil && !s.closed {
		return s.rq, nil
	}
	tr, err := s.transportLocked(ctx)
	if err != nil {
		return nil, err
	}
	s.rq, err = startReplyQueue(ctx, tr, &s.cfg)
	return s.rq, err
}

// publish sends req; Mandatory, so a topic nobody consumes is an error now
// rather than a timeout later.
func (s *clientShared) publish(ctx context.Context, to transport.Address, req *wire.Request, expiration time.Duration) error {
	tr, err := s.transport(ctx)
	if err != nil {
		return err
	}
	body, err := wire.EncodeRequest(req)
	if err != nil {
		return err
	}
	msg := transport.Message{Body: body, Expiration: expiration, Mandatory: true}
	bound := expiration // a call's timeout; a cast's is rpc_response_timeout
	if bound <= 0 {
		bound = s.cfg.RPCResponseTimeout.Std()
	}
	giveUp := time.Now().Add(bound)
	for pause := refusedPause; ; pause = min(2*pause, maxRefusedPause) {
		err = tr.Publish(ctx, to, msg)
		if !errors.Is(err, transport.ErrRefused) || time.Now().Add(pause).After(giveUp) {
			return sendError(req.Method, to, err)
		}
		// A quorum queue refuses publishes while it elects a leader (its
		// node stopped), for seconds: send again, with the same
		// _unique_id, until the call's timeout. A queue that stays full
		// keeps refusing, and the refusal is the answer then.
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return sendError(req.Method, to, err)
		}
	}
}

// Pauses between sends of a request the broker refused.
const (
	refusedPause    = 50 * time.Millisecond
	maxRefusedPause = time.Second
)

func sendError(method string, to transport.Address, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("rpcexec: sending %q to %s/%s: %w", method, to.Exchange, to.RoutingKey, err)
}

// castAsync sends req without waiting for the broker's answer, which p
// receives. An attempt whose channel was lost is sent again, as Publish
// would, by a goroutine of the client's: the receivers drop a copy by its
// _unique_id.
func (s *clientShared) castAsync(ctx context.Context, to transport.Address, req *wire.Request) (*Pending, error) {
	tr, err := s.transport(ctx)
	if err != nil {
		return nil, err
	}
	body, err := wire.EncodeRequest(req)
	if err != nil {
		return nil, err
	}
	method := req.Method // req is the caller's, not to be kept
	msg := transport.Message{Body: body, Mandatory: true}
	ap, ok := tr.(transport.AsyncPublisher)
	if !ok { // the transport answers at once (the embedded bus)
		if err := sendError(method, to, tr.Publish(ctx, to, msg)); err != nil {
			return nil, err
		}
		return confirmed, nil
	}
	p := &Pending{done: make(chan struct{})}
	err = ap.PublishAsync(ctx, to, msg, func(err error) {
		if err == nil || errors.Is(err, transport.ErrUnroutable) || errors.Is(err, transport.ErrNoExchange) ||
			errors.Is(err, transport.ErrClosed) {
			p.resolve(sendError(method, to, err))
			return
		}
		s.resend(ctx, func(ctx context.Context) { p.resolve(sendError(method, to, tr.Publish(ctx, to, msg))) })
	})
	if err != nil { // not sent: Publish tries, and retries, as Cast does
		if err := sendError(method, to, tr.Publish(ctx, to, msg)); err != nil {
			return nil, err
		}
		return confirmed, nil
	}
	return p, nil
}

// confirmed is the Pending of every cast known to be confirmed when
// CastAsync returns: it is never changed.
var confirmed = func() *Pending {
	p := &Pending{done: make(chan struct{})}
	p.resolve(nil)
	return p
}()

// resend runs send on a goroutine that ends when ctx does or the client
// closes.
func (s *clientShared) resend(ctx context.Context, send func(ctx context.Context)) {
	s.resendMu.Lock()
	defer s.resendMu.Unlock()
	if s.ended {
		send(s.life) // closed: fails at once
		return
	}
	s.resends.Go(func() {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(s.life, cancel)
		defer stop()
		send(ctx)
	})
}

func (s *clientShared) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.resendMu.Lock()
	s.ended = true
	s.resendMu.Unlock()
	s.end()
	s.resends.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), CloseTimeout)
	defer cancel()
	var err error
	if s.rq != nil {
		err = s.rq.close()
	}
	if s.ownTr {
		err = errors.Join(err, s.tr.Close(ctx))
	}
	return err
}
