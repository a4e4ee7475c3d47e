package rpcexec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/wire"
)

// Client errors.
var (
	ErrClientClosed = errors.New("rpcexec: client closed")
	// ErrTimeout is wrapped by a *TimeoutError.
	ErrTimeout = errors.New("rpcexec: call timed out")
)

// TimeoutError says which call timed out and after how long.
type TimeoutError struct {
	Method, Topic, Server string
	Timeout               time.Duration
	Monitor               bool // the server stopped sending call-monitor heartbeats
}

func (e *TimeoutError) Error() string {
	to := fmt.Sprintf("topic %q", e.Topic)
	if e.Server != "" {
		to += fmt.Sprintf(" server %q", e.Server)
	}
	if e.Monitor {
		return fmt.Sprintf("rpcexec: call %q to %s: no heartbeat from the server within the call-monitor timeout %s",
			e.Method, to, e.Timeout)
	}
	return fmt.Sprintf("rpcexec: call %q to %s timed out after %s with no reply (is a server consuming that topic?)",
		e.Method, to, e.Timeout)
}

// Unwrap makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Unwrap() error { return ErrTimeout }

// Client calls and casts to a target. Clients made by Prepare share their
// parent's transport and reply queue; Close the parent when done.
type Client struct {
	cfg     Config
	target  Target
	timeout time.Duration
	monitor time.Duration
	shared  *clientShared
}

// CallOption adjusts a prepared client, as oslo.messaging's prepare() does.
type CallOption func(*Client)

// ToServer sends to one server of the topic.
func ToServer(name string) CallOption { return func(c *Client) { c.target.Server = name } }

// AtVersion requests an API version, e.g. "2.5".
func AtVersion(v string) CallOption { return func(c *Client) { c.target.Version = v } }

// InNamespace addresses endpoints of a namespace.
func InNamespace(ns string) CallOption { return func(c *Client) { c.target.Namespace = ns } }

// Fanout makes casts reach every server of the topic.
func Fanout() CallOption { return func(c *Client) { c.target.Fanout = true } }

// Timeout bounds a call's wait for its reply (rpc_response_timeout).
func Timeout(d time.Duration) CallOption { return func(c *Client) { c.timeout = d } }

// CallMonitor asks the server for a heartbeat every d/2 while a call runs and
// fails the call when none arrives within d, so a long call can have a long
// Timeout yet a dead server is noticed quickly. d must be at least 2 s.
func CallMonitor(d time.Duration) CallOption { return func(c *Client) { c.monitor = d } }

// NewClient returns a client for target. Its transport is opened from
// cfg.TransportURL on first use unless WithClientTransport gives one.
func NewClient(cfg Config, target Target, opts ...ClientOption) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if target.Topic == "" {
		return nil, fmt.Errorf("%w: a client target needs a Topic", ErrInvalidConfig)
	}
	cfg.logNotes()
	c := &Client{cfg: cfg, target: target, timeout: cfg.RPCResponseTimeout.Std(), shared: newClientShared(cfg)}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Prepare returns a client like c with opts applied.
func (c *Client) Prepare(opts ...CallOption) *Client {
	p := *c
	for _, o := range opts {
		o(&p)
	}
	return &p
}

// cast is Cast after the client interceptors.
func (c *Client) cast(ctx context.Context, method string, args any) error {
	var req wire.Request
	if err := c.request(ctx, method, args, &req); err != nil {
		return err
	}
	return c.shared.publish(ctx, c.castAddress(), &req, 0)
}

// castAsync is CastAsync after the client interceptors.
func (c *Client) castAsync(ctx context.Context, method string, args any) (*Pending, error) {
	var req wire.Request
	if err := c.request(ctx, method, args, &req); err != nil {
		return nil, err
	}
	return c.shared.castAsync(ctx, c.castAddress(), &req)
}

// castAddress is where c's casts go.
func (c *Client) castAddress() transport.Address {
	if c.target.Fanout {
		return transport.FanoutAddress(c.target.Topic)
	}
	return transport.TopicAddress(c.exchange(), c.target.Topic, c.target.Server)
}

// Pending is a cast sent by CastAsync whose confirm may not be in yet.
type Pending struct {
	done chan struct{}
	err  error
}

// Done is closed once the broker has answered, or the cast failed.
func (p *Pending) Done() <-chan struct{} { return p.done }

// Err is what Cast would have returned, once Done is closed (nil before).
func (p *Pending) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// Wait waits for Done and returns Err, or ctx's error if it ends first.
func (p *Pending) Wait(ctx context.Context) error {
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Pending) resolve(err error) {
	p.err = err
	close(p.done)
}

// call is Call after the client interceptors.
func (c *Client) call(ctx context.Context, method string, args, result any) error {
	if c.target.Fanout {
		return fmt.Errorf("rpcexec: call %q: a fanout target takes casts only", method)
	}
	var req wire.Request
	if err := c.request(ctx, method, args, &req); err != nil {
		return err
	}
	replies, err := c.shared.replies(ctx)
	if err != nil {
		return err
	}
	req.MsgID, req.ReplyQ = wire.NewID(), replies.queue
	req.Timeout = c.monitor.Seconds()
	w := replies.expect(req.MsgID)
	defer replies.forget(req.MsgID, w)
	to := transport.TopicAddress(c.exchange(), c.target.Topic, c.target.Server)
	if err := c.shared.publish(ctx, to, &req, c.timeout); err != nil {
		return err
	}
	reply, err := w.wait(ctx, c.timeout, c.monitor)
	if err != nil {
		return c.timedOut(method, err)
	}
	if reply.Failure != nil {
		return remoteError(reply.Failure)
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(reply.Result, result); err != nil {
		return fmt.Errorf("rpcexec: call %q: decoding result %.60s into %T: %w", method, reply.Result, result, err)
	}
	return nil
}

// request fills req, which the caller keeps on its stack: a request lives
// only until it is encoded.
func (c *Client) request(ctx context.Context, method string, args any, req *wire.Request) error {
	if args == nil {
		args = struct{}{}
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("rpcexec: %q: encoding args: %w", method, err)
	}
	if len(raw) == 0 || raw[0] != '{' {
		return fmt.Errorf("rpcexec: %q: args must encode as a JSON object (a struct or map), got %T", method, args)
	}
	*req = wire.Request{
		Method: method, Args: raw, Namespace: c.target.Namespace, Version: c.target.Version,
		Context: dispatch.FromContext(ctx),
	}
	return nil
}

func (c *Client) exchange() string {
	if c.target.Exchange != "" {
		return c.target.Exchange
	}
	return c.cfg.ControlExchange
}

func (c *Client) timedOut(method string, err error) error {
	if !errors.Is(err, errNoReply) && !errors.Is(err, errNoHeartbeat) {
		return err
	}
	e := &TimeoutError{Method: method, Topic: c.target.Topic, Server: c.target.Server, Timeout: c.timeout}
	if errors.Is(err, errNoHeartbeat) {
		e.Timeout, e.Monitor = c.monitor, true
	}
	return e
}

// Close stops the reply consumer and closes a transport the client opened.
// Clients made by Prepare share it: Close one of them, once.
func (c *Client) Close() error { return c.shared.close() }

func remoteError(f *wire.Failure) *dispatch.Error {
	return &dispatch.Error{Class: f.Class, Module: f.Module, Message: f.Message,
		Args: f.Args, Kwargs: f.Kwargs, Traceback: f.Traceback}
}
