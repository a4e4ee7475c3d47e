package chaos_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/internal/chaos"
)

// anyServer is the destination of requests to the topic, which whichever
// server consumes it takes.
const anyServer = "*"

// callSlack is how long past its timeout a call may return.
const callSlack = 3 * time.Second

// prepared is the client for to: the topic, or one server of it.
func (c *cluster) prepared(to string, opts ...rpcexec.CallOption) *rpcexec.Client {
	if to != anyServer {
		opts = append(opts, rpcexec.ToServer(to))
	}
	return c.client.Prepare(opts...)
}

// cast publishes sleep(seconds) to to and records whether the broker
// confirmed it. It returns the payload id.
func (c *cluster) cast(to string, seconds float64) string {
	id := c.nextID("c")
	c.w.record(chaos.Event{Kind: chaos.Cast, ID: id, What: to})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := c.prepared(to).Cast(ctx, chaos.MethodSleep, chaos.Args{ID: id, Seconds: seconds})
	if err != nil {
		c.w.record(chaos.Event{Kind: chaos.Unconfirmed, ID: id, Text: err.Error()})
	} else {
		c.w.record(chaos.Event{Kind: chaos.Confirmed, ID: id})
	}
	return id
}

// castN casts n times, one after another.
func (c *cluster) castN(to string, n int, seconds float64) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = c.cast(to, seconds)
	}
	return ids
}

// call calls sleep(seconds) on to with a timeout and records the outcome.
func (c *cluster) call(to string, seconds float64, timeout time.Duration) {
	id := c.nextID("k")
	c.w.record(chaos.Event{Kind: chaos.Call, ID: id, MS: timeout.Milliseconds(), What: to})
	c.await(id, timeout, func(ctx context.Context) error {
		return c.prepared(to, rpcexec.Timeout(timeout)).Call(ctx, chaos.MethodSleep,
			chaos.Args{ID: id, Seconds: seconds}, nil)
	})
}

// probe calls echo on s's process alone and records the outcome.
func (c *cluster) probe(s *server, timeout time.Duration) {
	id := c.nextID("p")
	c.w.record(chaos.Event{Kind: chaos.Probe, ID: id, PID: s.pid, MS: timeout.Milliseconds()})
	c.await(id, timeout, func(ctx context.Context) error {
		var got string
		err := c.prepared(s.name, rpcexec.Timeout(timeout)).Call(ctx, chaos.MethodEcho,
			map[string]any{"id": id, "value": id}, &got)
		if err == nil && got != id {
			err = errors.New("echo returned " + got + ", want " + id)
		}
		return err
	})
}

// await runs a call, bounded by its timeout + callSlack + 1 s so that a
// hung call cannot hang the test, and records its outcome.
func (c *cluster) await(id string, timeout time.Duration, call func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout+callSlack+time.Second)
	defer cancel()
	start := time.Now()
	err := call(ctx)
	e := chaos.Event{ID: id, MS: time.Since(start).Milliseconds()}
	switch {
	case err == nil:
		e.Kind = chaos.Answered
	case errors.Is(err, rpcexec.ErrTimeout):
		e.Kind = chaos.TimedOut
	default:
		e.Kind, e.Text = chaos.Errored, err.Error()
	}
	c.w.record(e)
}

// load is a stream of short casts and calls to the topic from a few
// goroutines, until stopped.
type load struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// loadShape says what a load sends: casts of sleep up to maxCast, calls of
// sleep up to maxCall with callTimeout, one request every gap (on
// average) from each of senders goroutines, a call in every callEvery.
type loadShape struct {
	senders          int
	gap              time.Duration
	maxCast, maxCall time.Duration
	callTimeout      time.Duration
	callEvery        int
}

var shortLoad = loadShape{senders: 2, gap: 60 * time.Millisecond, maxCast: 300 * time.Millisecond,
	maxCall: 200 * time.Millisecond, callTimeout: 5 * time.Second, callEvery: 3}

// startLoad starts the load; seed makes its choices repeatable.
func (c *cluster) startLoad(seed uint64, shape loadShape) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{cancel: cancel}
	for i := range shape.senders {
		rnd := rand.New(rand.NewPCG(seed, uint64(i)))
		l.wg.Go(func() {
			pause := time.NewTimer(0)
			defer pause.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-pause.C:
				}
				if rnd.IntN(shape.callEvery) == 0 {
					c.call(anyServer, rnd.Float64()*shape.maxCall.Seconds(), shape.callTimeout)
				} else {
					c.cast(anyServer, rnd.Float64()*shape.maxCast.Seconds())
				}
				pause.Reset(time.Duration(rnd.Int64N(int64(2 * shape.gap))))
			}
		})
	}
	return l
}

// stop stops sending and waits for the requests under way to return.
func (l *load) stop() {
	l.cancel()
	l.wg.Wait()
}
