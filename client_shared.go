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
	err = tr.Publish(ctx, to, transport.Message{Body: body, Expiration: expiration, Mandatory: true})
	if err != nil {
		return fmt.Errorf("rpcexec: sending %q to %s/%s: %w", req.Method, to.Exchange, to.RoutingKey, err)
	}
	return nil
}

func (s *clientShared) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
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
