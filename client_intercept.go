package rpcexec

import "context"

// Cast sends a request and waits for no reply.
func (c *Client) Cast(ctx context.Context, method string, args any) error {
	if ic := c.shared.intercept; ic != nil {
		return ic(ctx, c.clientCall(method, args, nil, true), c.invoke)
	}
	return c.cast(ctx, method, args)
}

// CastAsync sends a request like Cast but returns once it is handed to the
// transport, without waiting for the broker to confirm it: the Pending
// reports that. One goroutine can so keep many casts in flight, where Cast
// waits for each in turn. A cast whose connection is lost before the
// broker answered is sent again, as Cast's would be (the servers drop a
// second copy by its _unique_id); Close ends such resends. Interceptors
// run around the sending: the error they see is the hand-off's, and the
// broker's answer comes through the Pending.
func (c *Client) CastAsync(ctx context.Context, method string, args any) (*Pending, error) {
	ic := c.shared.intercept
	if ic == nil {
		return c.castAsync(ctx, method, args)
	}
	var p *Pending
	err := ic(ctx, c.clientCall(method, args, nil, true), func(ctx context.Context, call *ClientCall) error {
		d := *c
		d.target = call.Target
		var err error
		p, err = d.castAsync(ctx, call.Method, call.Args)
		return err
	})
	if err != nil {
		return nil, err
	}
	if p == nil { // an interceptor answered without sending
		p = confirmed
	}
	return p, nil
}

// Call sends a request and decodes its reply's result into result (which
// may be nil to discard it). A failure reply is returned as a
// *dispatch.Error keeping the remote class, module and message;
// errors.Is(err, dispatch.ErrNoSuchMethod) works across the wire.
func (c *Client) Call(ctx context.Context, method string, args, result any) error {
	if ic := c.shared.intercept; ic != nil {
		return ic(ctx, c.clientCall(method, args, result, false), c.invoke)
	}
	return c.call(ctx, method, args, result)
}

// ClientCall is one call or cast as client interceptors see it.
type ClientCall struct {
	Method string
	Args   any
	// Result is where a call's result is decoded (nil for a cast, or a
	// call whose result is discarded).
	Result any
	// Target is where it goes: the client's prepared target, with
	// Exchange filled from Config.ControlExchange when it was empty.
	Target Target
	// Cast is set for a cast: no reply is awaited.
	Cast bool
}

// ClientInvoker sends a call or cast: the client itself, or the rest of
// an interceptor chain ending in it.
type ClientInvoker func(ctx context.Context, call *ClientCall) error

// ClientInterceptor runs around every Call and Cast of a client (and of
// the clients Prepare makes of it), in the shape of grpc's
// UnaryClientInterceptor: it may read or change ctx and call, call next
// (or not), and read or change the error. The caller context sent with
// the request is dispatch.FromContext of the ctx given to the last next;
// an interceptor adds to it with dispatch.NewContext (as
// tracing.ClientInterceptor adds the trace context), which oslo.messaging
// peers pass on as _context_ fields.
type ClientInterceptor func(ctx context.Context, call *ClientCall, next ClientInvoker) error

// WithClientInterceptors runs interceptors around every call and cast,
// the first outermost. Later options add inner interceptors.
func WithClientInterceptors(interceptors ...ClientInterceptor) ClientOption {
	return func(c *Client) {
		s := c.shared
		for _, ic := range interceptors {
			if ic == nil {
				continue
			}
			if outer := s.intercept; outer != nil {
				inner := ic
				ic = func(ctx context.Context, call *ClientCall, next ClientInvoker) error {
					return outer(ctx, call, func(ctx context.Context, call *ClientCall) error {
						return inner(ctx, call, next)
					})
				}
			}
			s.intercept = ic
		}
	}
}

func (c *Client) clientCall(method string, args, result any, cast bool) *ClientCall {
	t := c.target
	t.Exchange = c.exchange()
	return &ClientCall{Method: method, Args: args, Result: result, Target: t, Cast: cast}
}

// invoke is the end of the interceptor chain: the call or cast as an
// interceptor left it.
func (c *Client) invoke(ctx context.Context, call *ClientCall) error {
	p := *c
	p.target = call.Target
	if call.Cast {
		return p.cast(ctx, call.Method, call.Args)
	}
	return p.call(ctx, call.Method, call.Args, call.Result)
}
