package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/bench"
)

// Request is what a simulator client sends, and how often.
type Request struct {
	Method    string
	Args      json.RawMessage // a JSON object; nil is {}
	Cast      bool            // no reply
	Fanout    bool            // a cast to every server of the topic
	Server    string          // one server of the topic; "" is any
	Version   string          // requested version; "" is 1.0
	Namespace string
	Timeout   time.Duration // a call's wait for its reply; 0 keeps rpc_response_timeout
	Messages  int           // how many to send; at least 1
	Rate      float64       // messages per second at most; 0 is as fast as they go
}

// Summary is what Send did.
type Summary struct {
	Sent, Failed int
	Elapsed      time.Duration
	// RoundTrip is each call's time from send to reply (empty for casts).
	RoundTrip bench.Histogram
	// Reply is the first call's result, FirstErr the first error.
	Reply    json.RawMessage
	FirstErr error
}

// Prepare returns c addressed as r says.
func (r Request) Prepare(c *rpcexec.Client) *rpcexec.Client {
	opts := []rpcexec.CallOption{}
	if r.Server != "" {
		opts = append(opts, rpcexec.ToServer(r.Server))
	}
	if r.Version != "" {
		opts = append(opts, rpcexec.AtVersion(r.Version))
	}
	if r.Namespace != "" {
		opts = append(opts, rpcexec.InNamespace(r.Namespace))
	}
	if r.Fanout {
		opts = append(opts, rpcexec.Fanout())
	}
	if r.Timeout > 0 {
		opts = append(opts, rpcexec.Timeout(r.Timeout))
	}
	return c.Prepare(opts...)
}

// Send sends r.Messages requests one after another, paced by r.Rate, and
// keeps going past failures. It stops early when ctx ends, returning the
// summary so far and ctx's error.
func Send(ctx context.Context, c *rpcexec.Client, r Request) (*Summary, error) {
	if r.Messages < 1 {
		return nil, errors.New("sim: messages must be at least 1")
	}
	args := r.Args
	if args == nil {
		args = json.RawMessage("{}")
	}
	c = r.Prepare(c)
	var tick <-chan time.Time
	if r.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / r.Rate))
		defer t.Stop()
		tick = t.C
	}
	s := &Summary{}
	start := time.Now()
	defer func() { s.Elapsed = time.Since(start) }()
	for i := range r.Messages {
		if i > 0 && tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
				return s, ctx.Err()
			}
		}
		err := s.send(ctx, c, r, args)
		if ctx.Err() != nil {
			return s, ctx.Err()
		}
		s.Sent++
		if err != nil {
			s.Failed++
			if s.FirstErr == nil {
				s.FirstErr = err
			}
		}
	}
	return s, nil
}

func (s *Summary) send(ctx context.Context, c *rpcexec.Client, r Request, args json.RawMessage) error {
	if r.Cast || r.Fanout {
		return c.Cast(ctx, r.Method, args)
	}
	var reply json.RawMessage
	t := time.Now()
	if err := c.Call(ctx, r.Method, args, &reply); err != nil {
		return err
	}
	s.RoundTrip.Record(time.Since(t))
	if s.Reply == nil {
		s.Reply = reply
	}
	return nil
}

// String summarises s in one line.
func (s *Summary) String() string {
	line := fmt.Sprintf("sent %d in %.2fs (%.0f msgs/s), %d failed", s.Sent, s.Elapsed.Seconds(),
		float64(s.Sent)/max(s.Elapsed.Seconds(), 1e-9), s.Failed)
	if s.RoundTrip.Count() > 0 {
		line += fmt.Sprintf("; round trip p50 %v, p95 %v, p99 %v", s.RoundTrip.Percentile(0.5).Round(time.Microsecond),
			s.RoundTrip.Percentile(0.95).Round(time.Microsecond), s.RoundTrip.Percentile(0.99).Round(time.Microsecond))
	}
	return line
}
