package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rpcexec/rpcexec/dispatch"
)

// Methods the chaos endpoint serves, in the null namespace at version 1.0.
// Both record start and done (or abort) of every handling with the
// request's payload id, which, unlike _unique_id, the history can name.
const (
	MethodSleep = "sleep" // sleep(id, seconds) returns seconds after that long
	MethodEcho  = "echo"  // echo(id, value) returns value
)

// Args are the arguments of both methods.
type Args struct {
	ID      string          `json:"id"`
	Seconds float64         `json:"seconds,omitempty"`
	Value   json.RawMessage `json:"value,omitempty"`
}

// Endpoint returns the endpoint of a server process pid, recording into rec.
// started, when not nil, is called after each start is recorded.
func Endpoint(rec *Recorder, pid int, started func()) *dispatch.Endpoint {
	if started == nil {
		started = func() {}
	}
	ep := dispatch.NewEndpoint(dispatch.Target{Version: "1.0"})
	dispatch.Handle(ep, MethodSleep, func(ctx context.Context, a Args) (float64, error) {
		err := handle(rec, pid, a.ID, started, func() error {
			t := time.NewTimer(time.Duration(a.Seconds * float64(time.Second)))
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return fmt.Errorf("chaos: sleep interrupted: %w", context.Cause(ctx))
			}
		})
		return a.Seconds, err
	})
	dispatch.Handle(ep, MethodEcho, func(ctx context.Context, a Args) (json.RawMessage, error) {
		err := handle(rec, pid, a.ID, started, func() error { return nil })
		if a.Value == nil {
			return json.RawMessage("null"), err
		}
		return a.Value, err
	})
	return ep
}

// handle records start, calls started, runs work, then records done, or abort when work
// failed. A request the history could not record fails, so its caller
// hears of it.
func handle(rec *Recorder, pid int, id string, started func(), work func() error) error {
	if id == "" {
		return &dispatch.Error{Class: "ValueError", Module: dispatch.BuiltinsModule, Message: "chaos: request without id"}
	}
	if err := rec.Record(Event{Kind: Start, ID: id, PID: pid}); err != nil {
		return err
	}
	started()
	if err := work(); err != nil {
		if rerr := rec.Record(Event{Kind: Abort, ID: id, PID: pid}); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return rec.Record(Event{Kind: Done, ID: id, PID: pid})
}
