package request

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/heartbeat"
	"github.com/rpcexec/rpcexec/wire"
)

// reply sends a call's final reply, its result or its failure, retrying
// until deadline (see replier).
func (h *Handler) reply(ctx context.Context, req *wire.Request, result any, err error, deadline time.Time) error {
	body, err := h.answer(req, result, err)
	if err != nil {
		return err
	}
	return h.replier.send(ctx, req.ReplyQ, body, deadline)
}

// replyDeferred sends the same reply as reply without waiting for the
// broker's answer, which goes to done (see replier.sendDeferred).
func (h *Handler) replyDeferred(ctx context.Context, req *wire.Request, result any, err error, deadline time.Time, done func(error)) {
	body, err := h.answer(req, result, err)
	if err != nil {
		done(err)
		return
	}
	h.replier.sendDeferred(ctx, req.ReplyQ, body, deadline, done)
}

// answer encodes the final reply to req. A reply that does not encode, or
// whose body (envelope and escaping included) is larger than
// max_message_size, is replaced by a failure saying so, and logged: the
// caller learns why instead of timing out, or of being sent what its side
// may refuse.
func (h *Handler) answer(req *wire.Request, result any, err error) ([]byte, error) {
	var problem *dispatch.Error
	r := &wire.Reply{MsgID: req.MsgID, Ending: true}
	if err == nil {
		raw, merr := json.Marshal(result)
		switch {
		case merr != nil:
			problem = &dispatch.Error{Class: "TypeError", Module: dispatch.BuiltinsModule,
				Message: fmt.Sprintf("result of %.255q is not JSON serialisable: %v", req.Method, merr)}
		case len(raw) > h.o.MaxMessageSize: // would only grow in the envelope: spare encoding it
			problem = h.tooLarge(req, "result", len(raw))
		default:
			r.Result = raw
		}
	}
	if problem == nil {
		h.setFailure(r, err)
		body, eerr := wire.EncodeReply(r)
		switch {
		case eerr != nil:
			problem = &dispatch.Error{Class: "TypeError", Module: dispatch.BuiltinsModule,
				Message: fmt.Sprintf("reply to %.255q does not encode: %v", req.Method, eerr)}
		case len(body) > h.o.MaxMessageSize:
			problem = h.tooLarge(req, "reply", len(body))
		default:
			return body, nil
		}
	}
	// The endpoint's own error, if any, was logged with the request.
	h.o.Logger.Warn("rpcexec: reply replaced by a failure", "method", req.Method, "reply_q", req.ReplyQ,
		"reason", problem.Message)
	r = &wire.Reply{MsgID: req.MsgID, Ending: true}
	h.setFailure(r, problem)
	return wire.EncodeReply(r)
}

func (h *Handler) tooLarge(req *wire.Request, what string, n int) *dispatch.Error {
	msg := fmt.Sprintf("%s of %.255q is %d bytes, over the server's max_message_size %d",
		what, req.Method, n, h.o.MaxMessageSize)
	return &dispatch.Error{Class: "ValueError", Module: dispatch.BuiltinsModule, Message: msg, Args: []any{msg}}
}

// setFailure puts err, if any, in r as oslo's serialised exception; a Go
// stack goes with it only when SendTracebacks is set.
func (h *Handler) setFailure(r *wire.Reply, err error) {
	e := dispatch.AsError(err)
	if e == nil {
		return
	}
	r.Result = nil
	r.Failure = &wire.Failure{Class: e.Class, Module: e.Module, Message: e.Message,
		Args: e.Args, Kwargs: e.Kwargs}
	if h.o.SendTracebacks {
		r.Failure.Traceback = e.Traceback
	}
}

// monitor starts the call-monitor heartbeat replies a caller asked for.
// Each beat is one attempt that may take until the next is due, and never
// past deadline: a missed beat is the caller's signal, as in oslo.
func (h *Handler) monitor(ctx context.Context, req *wire.Request, deadline time.Time) (stop func() error) {
	if !req.IsCall() || req.Timeout <= 0 {
		return noMonitor
	}
	timeout := time.Duration(req.Timeout * float64(time.Second))
	every := heartbeat.MonitorInterval(timeout)
	if every == 0 {
		h.o.Logger.Warn("rpcexec: call-monitor timeout under 2 s is ignored, as oslo.messaging does",
			"method", req.Method, "timeout", timeout)
		return noMonitor
	}
	return heartbeat.Monitor(ctx, every, func(ctx context.Context) error {
		next := time.Now().Add(every)
		if deadline.Before(next) {
			next = deadline
		}
		ctx, cancel := context.WithDeadline(ctx, next)
		defer cancel()
		return h.replier.publish(ctx, req.ReplyQ, &wire.Reply{MsgID: req.MsgID, Ending: false})
	})
}

func noMonitor() error { return nil }
