package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rpcexec/rpcexec/wire"
)

// bareCallers are the baseline's side of calls: each publisher has a reply
// queue and a bare consumer of its own and waits there for its reply, so
// no routing of replies to waiters is needed. Casts have none.
type bareCallers struct {
	names []string
	cs    []bareConsumer
}

func newBareCallers(ctx context.Context, bb bareBus, w Workload) (*bareCallers, error) {
	b := &bareCallers{}
	if w.Mode != Call {
		return b, nil
	}
	for range w.Publishers {
		name := "reply_" + wire.NewID()
		if err := bb.replyQueue(ctx, name); err != nil {
			return nil, errors.Join(err, b.close())
		}
		c, err := bb.consume(ctx, name, 1, false)
		if err != nil {
			return nil, errors.Join(err, b.close())
		}
		b.names = append(b.names, name)
		b.cs = append(b.cs, c)
	}
	return b, nil
}

// queue is publisher pub's reply queue; "" for casts.
func (b *bareCallers) queue(pub int) string {
	if b.names == nil {
		return ""
	}
	return b.names[pub]
}

// await waits for publisher pub's reply; casts return at once.
func (b *bareCallers) await(ctx context.Context, pub int, timeout time.Duration) error {
	if b.cs == nil {
		return nil
	}
	c := b.cs[pub]
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		bodies, err := c.receive(ctx, 1)
		if err != nil {
			return err
		}
		if len(bodies) > 0 {
			return c.settle(ctx)
		}
	}
	return fmt.Errorf("bench: baseline call: no reply within %s", timeout)
}

func (b *bareCallers) close() error {
	var errs []error
	for _, c := range b.cs {
		errs = append(errs, c.close())
	}
	return errors.Join(errs...)
}
