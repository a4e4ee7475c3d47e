package request

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/wire"
)

// Defaults of the request path's bounds.
const (
	// DefaultMaxMessageSize bounds a request body and a reply: 16 MiB.
	DefaultMaxMessageSize = 16 << 20
	// DefaultMaxDeliveries bounds the deliveries of one message.
	DefaultMaxDeliveries = 5
)

// Options configure a Handler. Dispatcher and Publisher are required.
type Options struct {
	Dispatcher *dispatch.Dispatcher
	// Publisher sends replies: the server's transport.
	Publisher Publisher
	// MaxMessageSize bounds a request body and a reply, in bytes.
	MaxMessageSize int
	// MaxDeliveries bounds the deliveries of one message, counted by the
	// transport (quorum queues, the embedded bus) or by Dedup (one
	// process); past it the message is rejected as poison. 0: no bound.
	MaxDeliveries int
	// DedupSize is how many message ids are remembered; 0 disables
	// deduplication.
	DedupSize int
	// ReplyTimeout bounds reply retries for a request without a deadline
	// of its own (rpc_response_timeout), and how long any reply waits for
	// a reply queue that is missing: a request's deadline comes from its
	// time to live, which the sender sets.
	ReplyTimeout time.Duration
	// SendTracebacks sends the Go stack of an endpoint panic to the caller
	// as the failure's traceback; otherwise only the server logs it.
	SendTracebacks bool
	// Logger receives one line per refused or failed request.
	Logger *slog.Logger
	// Interceptor, when not nil, runs around each dispatch
	// (dispatch.Chain makes one of several); Topic and Server name the
	// server's target in its dispatch.Info.
	Interceptor   dispatch.Interceptor
	Topic, Server string
}

// Handler is the request path of one server: it runs on the executor, one
// message at a time per task, and tells the listener loop what to do with
// the message (it settles nothing itself).
type Handler struct {
	o       Options
	dedup   *Dedup
	replier replier
	stats   counters
}

// New returns the request path described by o.
func New(o Options) (*Handler, error) {
	switch {
	case o.Dispatcher == nil || o.Publisher == nil:
		return nil, errors.New("request: a dispatcher and a publisher are required")
	case o.MaxMessageSize <= 0 || o.ReplyTimeout <= 0:
		return nil, fmt.Errorf("request: max message size and reply timeout must be > 0, got %d and %s",
			o.MaxMessageSize, o.ReplyTimeout)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Handler{o: o, dedup: NewDedup(o.DedupSize), replier: replier{pub: o.Publisher, missingFor: o.ReplyTimeout}}, nil
}

// Handle implements listener.Handler: HandleDeferred, waiting for its
// outcome. ctx ends when the server closes, or its graceful stop runs out
// of time.
//
// Outcomes: a request handled (and, for a call, its reply delivered or
// failed for good) or a duplicate of one is acknowledged; a body the
// server cannot read is acknowledged after one log line and, when it names
// a caller, a failure reply, since no other delivery could read it either;
// an oversize or poison message is rejected, so that a queue with a
// dead-letter exchange keeps it; a request whose handling the server's
// stop cut short goes back to the queue.
func (h *Handler) Handle(ctx context.Context, m *poller.Message) poller.Outcome {
	var out poller.Outcome
	done := make(chan struct{})
	h.HandleDeferred(ctx, m, func(o poller.Outcome) {
		out = o
		close(done)
	})
	<-done
	return out
}

// HandleDeferred implements listener.DeferredHandler: it is Handle for a
// caller that does not wait for the outcome, which goes to finish, exactly
// once, possibly before HandleDeferred returns. A call's reply is handed to
// the transport and the outcome comes when the broker has confirmed it (or
// it failed for good), so the task that ran the endpoint is free meanwhile;
// the request is acknowledged only then, as with Handle. finish must not
// block: it may run on the transport's goroutine.
func (h *Handler) HandleDeferred(ctx context.Context, m *poller.Message, finish func(poller.Outcome)) {
	if len(m.Body) > h.o.MaxMessageSize {
		routing, _ := wire.DecodeRouting(m.Body)
		h.stats.oversize.Add(1)
		h.refuse(ctx, m, replyTarget(routing),
			fmt.Sprintf("request of %d bytes exceeds max_message_size %d", len(m.Body), h.o.MaxMessageSize))
		finish(poller.Reject)
		return
	}
	req, err := wire.DecodeRequest(m.Body)
	if err == nil {
		err = validate(req)
	}
	if err != nil {
		h.stats.malformed.Add(1)
		h.refuse(ctx, m, replyTarget(req), err.Error())
		finish(poller.Ack)
		return
	}
	if n := m.Deliveries; h.o.MaxDeliveries > 0 && n > h.o.MaxDeliveries {
		h.stats.poison.Add(1)
		h.refuse(ctx, m, replyTarget(req), poisonReason(req.Method, n, h.o.MaxDeliveries))
		finish(poller.Reject)
		return
	}
	v, c, err := h.dedup.begin(ctx, req.UniqueID, h.o.MaxDeliveries)
	switch {
	case err != nil: // stopped while the original of this copy ran
		finish(poller.Requeue)
		return
	case v == duplicate:
		h.stats.duplicates.Add(1)
		h.o.Logger.Debug("rpcexec: dropped a duplicate delivery", "method", req.Method, "queue", m.Queue)
		finish(poller.Ack)
		return
	case v == poison:
		h.stats.poison.Add(1)
		h.refuse(ctx, m, replyTarget(req), poisonReason(req.Method, h.o.MaxDeliveries+1, h.o.MaxDeliveries))
		finish(poller.Reject)
		return
	}
	h.serve(ctx, m, req, c, finish)
}

func poisonReason(method string, n, limit int) string {
	return fmt.Sprintf("%.255q delivered %d times, over max_deliveries %d: rejected as poison", method, n, limit)
}

// serve dispatches req under its call monitor and replies to a call; the
// outcome goes to finish once the reply is delivered or failed for good,
// after c, the delivery's hold on its id, is released with it.
func (h *Handler) serve(ctx context.Context, m *poller.Message, req *wire.Request, c claim, finish func(poller.Outcome)) {
	if req.Context != nil {
		ctx = dispatch.NewContext(ctx, req.Context)
	}
	deadline := h.deadline(m)
	stop := h.monitor(ctx, req, deadline)
	r := dispatch.Request{Namespace: req.Namespace, Version: req.Version, Method: req.Method, Args: req.Args}
	var info *dispatch.Info
	if h.o.Interceptor != nil {
		info = &dispatch.Info{Topic: h.o.Topic, Server: h.o.Server, Call: req.IsCall(), Queue: m.Queue, Received: m.Received,
			Registered: h.o.Dispatcher.Has(req.Method)}
	}
	result, err := h.o.Dispatcher.Invoke(ctx, r, info, h.o.Interceptor)
	h.stats.dispatched.Add(1)
	if beatErr := stop(); beatErr != nil {
		h.stats.replyFailures.Add(1)
		h.o.Logger.Warn("rpcexec: call-monitor heartbeat failed", "method", req.Method, "err", beatErr)
	}
	if err != nil {
		h.stats.failed.Add(1)
		h.logFailure(ctx, req, err)
	}
	if !req.IsCall() {
		c.end(true)
		finish(poller.Ack)
		return
	}
	h.replyDeferred(ctx, req, result, err, deadline, func(err error) {
		o := h.replied(ctx, req, err)
		c.end(o == poller.Ack)
		finish(o)
	})
}

// replied is the outcome of a call whose reply was sent, or failed with
// err: it goes back to the queue when the server is stopping (another
// delivery may still answer), and is acknowledged otherwise.
func (h *Handler) replied(ctx context.Context, req *wire.Request, err error) poller.Outcome {
	if err == nil {
		return poller.Ack
	}
	if ctx.Err() != nil { // stopping: another delivery may still answer
		return poller.Requeue
	}
	h.stats.replyFailures.Add(1)
	h.o.Logger.Warn("rpcexec: reply not delivered; the caller will time out", "method", req.Method,
		"reply_q", req.ReplyQ, "err", err)
	return poller.Ack
}

// deadline is how long replies to m may be retried: until the caller's
// deadline when m carries one, rpc_response_timeout from now otherwise.
func (h *Handler) deadline(m *poller.Message) time.Time {
	if !m.Deadline.IsZero() {
		return m.Deadline
	}
	return time.Now().Add(h.o.ReplyTimeout)
}

// logFailure logs a failed request; a panic's stack goes to the log at
// Error, the rest at Info.
func (h *Handler) logFailure(ctx context.Context, req *wire.Request, err error) {
	attrs := []any{"method", req.Method, "call", req.IsCall(),
		"request_id", dispatch.FromContext(ctx).RequestID(), "err", err}
	if e := dispatch.AsError(err); errors.Is(err, dispatch.ErrPanic) && e != nil {
		h.o.Logger.Error("rpcexec: endpoint panicked", append(attrs, "stack", e.Traceback)...)
		return
	}
	h.o.Logger.Info("rpcexec: request failed", attrs...)
}

// refuse answers a message the server will not handle, when to names a
// caller, with the reason instead of leaving it to time out, and logs one
// line saying why and whether that answer was delivered.
func (h *Handler) refuse(ctx context.Context, m *poller.Message, to *wire.Request, reason string) {
	attrs := []any{"queue", m.Queue, "bytes", len(m.Body), "redelivered", m.Redelivered, "reason", reason}
	if to != nil {
		failure := &dispatch.Error{Class: "ValueError", Module: dispatch.BuiltinsModule, Message: reason, Args: []any{reason}}
		err := h.reply(ctx, to, nil, failure, h.deadline(m))
		attrs = append(attrs, "reply_q", to.ReplyQ, "answered", err == nil)
		if err != nil {
			h.stats.replyFailures.Add(1)
			attrs = append(attrs, "reply_err", err)
		}
	}
	h.o.Logger.Warn("rpcexec: refused a message", attrs...)
}
