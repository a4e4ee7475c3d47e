package bench

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/rpcexec/rpcexec/poller"
	"github.com/rpcexec/rpcexec/transport"
)

// declared is the process's record of the queues runs declared on a
// broker and have not deleted yet, by broker URI: a program that must exit
// before its runs return (loadgen on a second Ctrl-C) deletes them with
// SweepQueues.
var declared struct {
	sync.Mutex
	byURI map[string]map[string]struct{}
}

// remember records queues the run declared (or that its servers and
// clients did, under names it knows) for deletion when it ends.
func (e *env) remember(names ...string) {
	if e.uri == "" || len(names) == 0 {
		return
	}
	for _, n := range names {
		e.cfg.Logger.Info("bench: queue declared", "queue", n)
	}
	declared.Lock()
	defer declared.Unlock()
	e.queues = append(e.queues, names...)
	if declared.byURI == nil {
		declared.byURI = make(map[string]map[string]struct{})
	}
	if declared.byURI[e.uri] == nil {
		declared.byURI[e.uri] = make(map[string]struct{})
	}
	for _, n := range names {
		declared.byURI[e.uri][n] = struct{}{}
	}
}

// forget drops queues that were deleted from the record.
func forget(uri string, names []string) {
	declared.Lock()
	defer declared.Unlock()
	for _, n := range names {
		delete(declared.byURI[uri], n)
	}
}

// SweepQueues deletes every queue the runs of this process declared and
// have not deleted yet, whatever it holds, within ctx. A program calls it
// when it must exit without waiting for its runs; Run deletes its own
// queues on every other path.
func SweepQueues(ctx context.Context) error {
	declared.Lock()
	byURI := make(map[string][]string, len(declared.byURI))
	for uri, names := range declared.byURI {
		byURI[uri] = slices.Collect(maps.Keys(names))
	}
	declared.Unlock()
	var errs []error
	for uri, names := range byURI {
		if len(names) == 0 {
			continue
		}
		err := deleteQueues(ctx, uri, names...)
		if err == nil {
			forget(uri, names)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// recording is the run's transport for rpcexec's servers and clients: it
// records the queues of their own they declare (reply queues, servers'
// fanout queues), whose names the run cannot otherwise know, so that they
// are deleted even when the servers and clients are not closed.
type recording struct {
	transport.Transport
	e *env
}

// ownQueue is a poller that deletes a queue of its own when it closes.
type ownQueue interface{ OwnQueue() string }

func (t recording) Listen(ctx context.Context, target transport.Subscription, prefetch int) (poller.Poller, error) {
	p, err := t.Transport.Listen(ctx, target, prefetch)
	if q, ok := p.(ownQueue); ok && err == nil {
		t.e.remember(q.OwnQueue())
	}
	return p, err
}

func (t recording) ListenReplies(ctx context.Context, prefetch int) (string, poller.Poller, error) {
	q, p, err := t.Transport.ListenReplies(ctx, prefetch)
	if err == nil {
		t.e.remember(q)
	}
	return q, p, err
}

// PublishAsync keeps the transport's pipelined publishing visible through
// the wrapper.
func (t recording) PublishAsync(ctx context.Context, to transport.Address, m transport.Message, done func(error)) error {
	if ap, ok := t.Transport.(transport.AsyncPublisher); ok {
		return ap.PublishAsync(ctx, to, m, done)
	}
	done(t.Transport.Publish(ctx, to, m))
	return nil
}
