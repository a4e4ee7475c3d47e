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
	return h.replier.send(ctx, req.ReplyQ, h.answer(req, result, err), deadline)
}

// replyDeferred sends the same reply as reply without waiting for the
// broker's answer, which goes to done (see replier.sendDeferred).
func (h *Handler) replyDeferred(ctx context.Context, req *wire.Request, result any, err error, deadline time.Time, done func(error)) {
	h.replier.sendDeferred(ctx, req.ReplyQ, h.answer(req, result, err), deadline, done)
}

// answer is a call's final reply. A result that does not encode, or
// encodes larger than max_message_size, is answered as a failure instead.
func (h *Handler) answer(req *wire.Request, result any, err error) *wire.Reply {
	r := &wire.Reply{MsgID: req.MsgID, Ending: true}
	if err == nil {
		raw, merr := json.Marshal(result)
		switch {
		case merr != nil:
			err = &dispatch.Error{Class: "TypeError", Module: dispatch.BuiltinsModule,
				Message: fmt.Sprintf("result of %s is not JSON serialisable: %v", req.Method, merr)}
		case len(raw) > h.o.MaxMessageSize:
			msg := fmt.Sprintf("result of %s is %d bytes, over the server's max_message_size %d",
				req.Method, len(raw), h.o.MaxMessageSize)
			err = &dispatch.Error{Class: "ValueError", Module: dispatch.BuiltinsModule, Message: msg, Args: []any{msg}}
		default:
			r.Result = raw
		}
	}
	if e := dispatch.AsError(err); e != nil {
		r.Failure = &wire.Failure{Class: e.Class, Module: e.Module, Message: e.Message,
			Args: e.Args, Kwargs: e.Kwargs}
		if h.o.SendTracebacks {
			r.Failure.Traceback = e.Traceback
		}
	}
	return r
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
