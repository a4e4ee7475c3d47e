package bench

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
)

// Methods of the measured endpoint, in oslo's null namespace at 1.0.
const (
	methodRun  = "run"  // the measured message
	methodPing = "ping" // readies a call path before the clock starts; not counted
)

// runArgs are the measured method's args: when the message was published
// (on the run's clock, so the latency needs no wall-clock agreement), its
// number, which picks its part of a mixed workload, and padding.
type runArgs struct {
	T int64  `json:"t"`
	S uint64 `json:"s"`
	P string `json:"p,omitempty"`
}

// serverSet is a run's RPC servers, all on the run's topic.
type serverSet struct {
	srvs   []*rpcexec.Server
	counts []atomic.Int64 // handled per server
}

// newServers makes w.Servers servers whose endpoint does w.Work and then
// calls handled with the server's index.
func newServers(e *env, handled func(i int, a runArgs)) (*serverSet, error) {
	s := &serverSet{counts: make([]atomic.Int64, e.w.Servers)}
	for i := range e.w.Servers {
		ep := dispatch.NewEndpoint(dispatch.Target{})
		dispatch.Handle(ep, methodRun, func(ctx context.Context, a runArgs) (any, error) {
			e.w.Work.Do(ctx, a.S)
			s.counts[i].Add(1)
			handled(i, a)
			return nil, nil
		})
		dispatch.Handle(ep, methodPing, func(context.Context, struct{}) (any, error) { return nil, nil })
		srv, err := rpcexec.NewServer(e.cfg, rpcexec.Target{Topic: e.topic, Server: serverName(i)},
			dispatch.New(ep), rpcexec.WithServerTransport(e.tr))
		if err != nil {
			return nil, err
		}
		s.srvs = append(s.srvs, srv)
	}
	return s, nil
}

// start starts every server; each is consuming when it returns.
func (s *serverSet) start(ctx context.Context) error {
	for _, srv := range s.srvs {
		if err := srv.Start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// stop stops the servers: gracefully after a complete run, at once after
// an interrupted one (sleeping handlers see their context end).
func (s *serverSet) stop(graceful bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range s.srvs {
		if graceful {
			errs = append(errs, srv.Stop(ctx))
		} else {
			errs = append(errs, srv.Close())
		}
	}
	return errors.Join(errs...)
}

// peakInFlight is the largest in-flight peak of the servers.
func (s *serverSet) peakInFlight() int64 {
	var peak int64
	for _, srv := range s.srvs {
		peak = max(peak, srv.Stats().PeakInFlight)
	}
	return peak
}

// perServer returns the handled counts, or nil for a single server.
func (s *serverSet) perServer() []int64 {
	if len(s.counts) < 2 {
		return nil
	}
	out := make([]int64, len(s.counts))
	for i := range s.counts {
		out[i] = s.counts[i].Load()
	}
	return out
}
