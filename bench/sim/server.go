package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
)

// Methods the endpoint serves.
const (
	MethodEcho  = "echo"  // echo(value) returns value
	MethodFail  = "fail"  // fail(message) fails with ValueError(message)
	MethodSleep = "sleep" // sleep(seconds) returns seconds, after that long
	MethodStats = "stats" // stats() returns Counts as a JSON object
)

// Counts is how many requests each method has handled, failures included.
// Updates are atomic: requests run at once on most executors.
type Counts struct {
	echo, fail, sleep, stats atomic.Int64
}

// Snapshot returns the counts by method name.
func (c *Counts) Snapshot() map[string]int64 {
	return map[string]int64{
		MethodEcho: c.echo.Load(), MethodFail: c.fail.Load(),
		MethodSleep: c.sleep.Load(), MethodStats: c.stats.Load(),
	}
}

// Endpoint returns the simulator's endpoint in the null namespace at
// version, counting into c. A failure is a Python ValueError, so an
// oslo.messaging client raises the class it knows.
func Endpoint(version string, c *Counts) *dispatch.Endpoint {
	ep := dispatch.NewEndpoint(dispatch.Target{Version: version})
	dispatch.Handle(ep, MethodEcho, func(_ context.Context, a struct {
		Value json.RawMessage `json:"value"`
	}) (json.RawMessage, error) {
		defer c.echo.Add(1)
		if a.Value == nil {
			return json.RawMessage("null"), nil
		}
		return a.Value, nil
	})
	dispatch.Handle(ep, MethodFail, func(_ context.Context, a struct {
		Message string `json:"message"`
	}) (any, error) {
		defer c.fail.Add(1)
		return nil, &dispatch.Error{Class: "ValueError", Module: dispatch.BuiltinsModule,
			Message: a.Message, Args: []any{a.Message}}
	})
	dispatch.Handle(ep, MethodSleep, func(ctx context.Context, a struct {
		Seconds float64 `json:"seconds"`
	}) (float64, error) {
		defer c.sleep.Add(1)
		t := time.NewTimer(time.Duration(a.Seconds * float64(time.Second)))
		defer t.Stop()
		select {
		case <-t.C:
			return a.Seconds, nil
		case <-ctx.Done():
			return 0, fmt.Errorf("sim: sleep interrupted: %w", context.Cause(ctx))
		}
	})
	dispatch.Handle(ep, MethodStats, func(context.Context, struct{}) (map[string]int64, error) {
		defer c.stats.Add(1)
		return c.Snapshot(), nil
	})
	return ep
}

// stopTimeout bounds the graceful stop after ctx ends: requests under way
// may finish, a long sleep is cut short.
const stopTimeout = 5 * time.Second

// Serve runs the simulator's server on target until ctx ends, then stops
// it gracefully. ready, when not nil, is called once it is consuming. It
// returns the counts of what was handled.
func Serve(ctx context.Context, cfg rpcexec.Config, target rpcexec.Target, version string,
	ready func()) (map[string]int64, error) {
	var counts Counts
	srv, err := rpcexec.NewServer(cfg, target, dispatch.New(Endpoint(version, &counts)))
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, err
	}
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	stop, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	err = srv.Stop(stop)
	return counts.Snapshot(), err
}
