package rpcexec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/heartbeat"
	"github.com/rpcexec/rpcexec/listener"
	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/wire"
)

// requestHandler is the server's work for one message, run on the executor:
// decode, drop duplicates, dispatch under the call monitor, reply.
type requestHandler struct {
	disp          *dispatch.Dispatcher
	tr            transport.Transport
	dedup         *listener.Dedup
	log           *slog.Logger
	maxSize       int
	maxDeliveries int
}

func newRequestHandler(s *Server) *requestHandler {
	return &requestHandler{
		disp: s.disp, tr: s.tr, log: s.cfg.logger(),
		dedup:   listener.NewDedup(s.cfg.DedupCacheSize),
		maxSize: s.cfg.MaxMessageSize, maxDeliveries: s.cfg.MaxDeliveries,
	}
}

// Handle implements listener.Handler. No path requeues: a message that
// cannot be served now cannot be served later either, so requeueing it would
// only loop. Refused messages are rejected, so that a queue with a
// dead-letter exchange keeps them; the others are acknowledged.
func (h *requestHandler) Handle(ctx context.Context, m *poller.Message) poller.Outcome {
	if len(m.Body) > h.maxSize {
		req, _ := wire.DecodeRouting(m.Body)
		h.refuse(ctx, m, req, fmt.Sprintf("request of %d bytes exceeds max_message_size %d", len(m.Body), h.maxSize))
		return poller.Reject
	}
	req, err := wire.DecodeRequest(m.Body)
	if err != nil {
		h.refuse(ctx, m, req, err.Error())
		return poller.Ack
	}
	if h.maxDeliveries > 0 && m.Deliveries > h.maxDeliveries {
		h.refuse(ctx, m, req, fmt.Sprintf("%q delivered %d times, over max_deliveries %d: rejected as poison",
			req.Method, m.Deliveries, h.maxDeliveries))
		return poller.Reject
	}
	if !h.dedup.First(req.UniqueID) {
		h.log.Debug("rpcexec: dropped a duplicate delivery", "method", req.Method, "unique_id", req.UniqueID)
		return poller.Ack
	}
	if req.Context != nil {
		ctx = dispatch.NewContext(ctx, req.Context)
	}
	stop := h.monitor(ctx, req)
	result, err := h.disp.Dispatch(ctx, dispatch.Request{
		Namespace: req.Namespace, Version: req.Version, Method: req.Method, Args: req.Args,
	})
	if beatErr := stop(); beatErr != nil {
		h.log.Warn("rpcexec: call-monitor heartbeat failed", "method", req.Method, "err", beatErr)
	}
	if err != nil {
		h.log.Info("rpcexec: request failed", "method", req.Method, "call", req.IsCall(),
			"request_id", dispatch.FromContext(ctx).RequestID(), "err", err)
	}
	if req.IsCall() {
		h.reply(ctx, req, result, err)
	}
	return poller.Ack
}

// refuse logs a message the server will not handle and, when it names a
// caller, answers with the reason instead of leaving the caller to time out.
func (h *requestHandler) refuse(ctx context.Context, m *poller.Message, req *wire.Request, reason string) {
	h.log.Warn("rpcexec: refused a message", "queue", m.Queue, "bytes", len(m.Body), "reason", reason)
	if req != nil && req.IsCall() {
		h.reply(ctx, req, nil, &dispatch.Error{
			Class: "ValueError", Module: dispatch.BuiltinsModule, Message: reason, Args: []any{reason},
		})
	}
}

// monitor starts the call-monitor heartbeat replies a caller asked for.
func (h *requestHandler) monitor(ctx context.Context, req *wire.Request) (stop func() error) {
	if !req.IsCall() || req.Timeout <= 0 {
		return noMonitor
	}
	timeout := time.Duration(req.Timeout * float64(time.Second))
	every := heartbeat.MonitorInterval(timeout)
	if every == 0 {
		h.log.Warn("rpcexec: call-monitor timeout under 2 s is ignored, as oslo.messaging does",
			"method", req.Method, "timeout", timeout)
		return noMonitor
	}
	return heartbeat.Monitor(ctx, every, func(ctx context.Context) error {
		return h.send(ctx, req.ReplyQ, &wire.Reply{MsgID: req.MsgID, Ending: false})
	})
}

func noMonitor() error { return nil }

// reply sends a call's final reply: its result or its failure.
func (h *requestHandler) reply(ctx context.Context, req *wire.Request, result any, err error) {
	r := &wire.Reply{MsgID: req.MsgID, Ending: true}
	if err == nil {
		raw, merr := json.Marshal(result)
		if merr != nil {
			err = &dispatch.Error{Class: "TypeError", Module: dispatch.BuiltinsModule,
				Message: fmt.Sprintf("result of %s is not JSON serialisable: %v", req.Method, merr)}
		}
		r.Result = raw
	}
	if e := dispatch.AsError(err); e != nil {
		r.Failure = failure(e)
	}
	if err := h.send(ctx, req.ReplyQ, r); err != nil {
		h.log.Warn("rpcexec: reply not delivered; the caller will time out", "method", req.Method,
			"reply_q", req.ReplyQ, "err", err)
	}
}

func (h *requestHandler) send(ctx context.Context, replyQ string, r *wire.Reply) error {
	body, err := wire.EncodeReply(r)
	if err != nil {
		return err
	}
	err = h.tr.Publish(ctx, transport.ReplyAddress(replyQ), transport.Message{Body: body, Mandatory: true})
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("server closing: %w", err)
	}
	return err
}

func failure(e *dispatch.Error) *wire.Failure {
	return &wire.Failure{Class: e.Class, Module: e.Module, Message: e.Message,
		Traceback: e.Traceback, Args: e.Args, Kwargs: e.Kwargs}
}
