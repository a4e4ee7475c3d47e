package bench

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/transport"
	"github.com/rpcexec/rpcexec/wire"
)

// fill declares the topic's queues as the servers will and puts
// w.Messages requests on them. Calls name a reply queue that a drain
// goroutine empties, as the caller would; stop ends it and waits for it.
func (r *run) fill(ctx context.Context) (stop func(), err error) {
	e := r.e
	p, err := e.tr.Listen(ctx, transport.Subscription{Exchange: e.exchange, Topic: e.topic, Server: serverName(0)}, 1)
	if err != nil {
		return nil, err
	}
	if err := p.Close(context.Background()); err != nil {
		return nil, err
	}
	stop = func() {}
	replyQ := ""
	if e.w.Mode == Call {
		if replyQ, stop, err = drainReplies(ctx, e.tr); err != nil {
			return nil, err
		}
	}
	w := e.w
	w.Duration = 0
	to := transport.TopicAddress(e.exchange, e.topic, "")
	_, err = publishers(ctx, w, nil, 1, func(ctx context.Context, _ int, seq uint64) error {
		body, err := r.request(seq, replyQ)
		if err != nil {
			return err
		}
		return e.tr.Publish(ctx, to, transport.Message{Body: body, Mandatory: true})
	})
	if err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// request encodes message seq as an rpcexec client would: a call when
// replyQ is set, else a cast.
func (r *run) request(seq uint64, replyQ string) ([]byte, error) {
	args, err := json.Marshal(runArgs{T: r.now(), S: seq, P: r.payload})
	if err != nil {
		return nil, err
	}
	req := &wire.Request{Method: methodRun, Args: args}
	if replyQ != "" {
		req.MsgID, req.ReplyQ = wire.NewID(), replyQ
	}
	return wire.EncodeRequest(req)
}

// drainReplies consumes a new reply queue on a goroutine of its own until
// stop is called.
func drainReplies(ctx context.Context, tr transport.Transport) (queue string, stop func(), err error) {
	const batch = 256
	queue, p, err := tr.ListenReplies(ctx, batch)
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		var acks []poller.Settlement
		for ctx.Err() == nil {
			msgs, err := p.Poll(ctx, 100*time.Millisecond, batch)
			if err != nil && !errors.Is(err, context.Canceled) {
				return
			}
			acks = acks[:0]
			for _, m := range msgs {
				acks = append(acks, poller.Settlement{Msg: m, Outcome: poller.Ack})
			}
			if len(acks) > 0 && p.Settle(ctx, acks) != nil {
				return
			}
		}
	})
	return queue, func() {
		cancel()
		wg.Wait()
		_ = p.Close(context.Background())
	}, nil
}
