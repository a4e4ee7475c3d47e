package bench

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rpcexec/rpcexec"
)

// Run measures one workload and stops everything it started before it
// returns. When ctx ends first, Run returns what was measured until then,
// marked Partial, together with ctx's error.
func Run(ctx context.Context, w Workload) (res Result, err error) {
	if err := w.Validate(); err != nil {
		return Result{}, err
	}
	w = w.defaults()
	Calibrate()
	e, err := openEnv(ctx, w)
	if err != nil {
		return Result{}, err
	}
	defer func() { err = errors.Join(err, e.close()) }()
	r := &run{e: e, tally: newTally(), base: time.Now(), payload: strings.Repeat("x", w.Payload)}
	if !w.Prefill && w.Mode != Call {
		r.win = newWindow(w.Window * w.Servers)
	}
	switch w.Executor {
	case Baseline, BaselineMultiple:
		return r.baseline(ctx)
	case Oslo:
		return r.oslo(ctx)
	}
	return r.servers(ctx)
}

// run is one measurement under way.
type run struct {
	e       *env
	tally   *tally
	win     *window // nil for calls and prefilled runs
	m       meter
	base    time.Time // the clock of runArgs.T
	payload string
}

// now is the time on the run's clock.
func (r *run) now() int64 { return int64(time.Since(r.base)) }

// handled records one handled message published at t.
func (r *run) handled(t int64) {
	r.m.lat.Record(time.Duration(r.now() - t))
	r.win.release()
	r.tally.add()
}

// perMsg is how many handlings one published message makes.
func (r *run) perMsg() int {
	if r.e.w.Mode == Fanout {
		return r.e.w.Servers
	}
	return 1
}

// expected is the number of handlings a run bounded by count makes.
func (r *run) expected() int64 {
	return int64(r.e.w.Messages) * int64(r.perMsg())
}

// begin starts the clock and the instruments.
func (r *run) begin() {
	r.e.cfg.Logger.Info("bench: measuring", "strategy", r.e.w.Executor)
	var progress func()
	if p := r.e.w.Progress; p != nil {
		expected := int64(0)
		if r.e.w.Duration == 0 {
			expected = r.expected()
		}
		progress = func() {
			p(Progress{Strategy: r.e.w.Executor, Handled: r.tally.handled.Load(), Expected: expected,
				Elapsed: time.Since(r.m.start)})
		}
	}
	r.m.begin(progress)
}

// finish waits for the last handling (or for ctx) and computes the result.
func (r *run) finish(ctx context.Context) (Result, error) {
	var elapsed time.Duration
	select {
	case <-r.tally.done:
		elapsed = r.tally.end.Sub(r.m.start)
	case <-ctx.Done():
		elapsed = time.Since(r.m.start)
	}
	res := r.m.result(r.e.w.Executor, r.tally.handled.Load(), elapsed)
	if err := ctx.Err(); err != nil {
		res.Partial = true
		return res, err
	}
	return res, nil
}

// servers measures rpcexec with the workload's executor.
func (r *run) servers(ctx context.Context) (res Result, err error) {
	e := r.e
	e.remember(e.topicQueues()...)
	set, err := newServers(e, func(_ int, a runArgs) { r.handled(a.T) })
	if err != nil {
		return Result{}, err
	}
	stopDrain := func() {} // the reply drain of prefilled calls, stopped after the servers
	defer func() {
		err = errors.Join(err, set.stop(ctx.Err() == nil))
		stopDrain()
		res.PerServer = set.perServer()
		res.PeakInFlight = set.peakInFlight()
	}()
	if e.w.Prefill {
		if stopDrain, err = r.fill(ctx); err != nil {
			stopDrain = func() {}
			return Result{}, err
		}
		r.tally.expect(r.expected())
		r.begin()
		if err := set.start(ctx); err != nil {
			r.m.sampler.stop()
			return Result{}, err
		}
		return r.finish(ctx)
	}
	if err := set.start(ctx); err != nil {
		return Result{}, err
	}
	return r.endToEnd(ctx)
}

// endToEnd publishes with an rpcexec client while the servers run.
func (r *run) endToEnd(ctx context.Context) (Result, error) {
	e := r.e
	c, err := rpcexec.NewClient(e.cfg, rpcexec.Target{Topic: e.topic}, rpcexec.WithClientTransport(e.tr))
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	if e.w.Mode == Fanout {
		c = c.Prepare(rpcexec.Fanout())
	}
	if e.w.Mode == Call {
		if err := c.Call(ctx, methodPing, nil, nil); err != nil { // the reply queue, before the clock
			return Result{}, err
		}
	}
	// Casts go out with CastAsync, each publisher keeping up to its share
	// of the window unconfirmed: a publisher waiting for every confirm in
	// turn would measure its round trips to the broker, not the servers.
	unconfirmed := newConfirms(e.w.Publishers, max(1, e.w.Window*e.w.Servers/e.w.Publishers))
	r.begin()
	sent, err := publishers(ctx, e.w, r.win, r.perMsg(), func(ctx context.Context, pub int, seq uint64) error {
		a := runArgs{T: r.now(), S: seq, P: r.payload}
		if e.w.Mode == Call {
			return c.Call(ctx, methodRun, a, nil)
		}
		p, err := c.CastAsync(ctx, methodRun, a)
		if err != nil {
			return err
		}
		return unconfirmed.add(ctx, pub, p)
	})
	if err == nil {
		err = unconfirmed.wait(ctx)
	}
	if err != nil && ctx.Err() == nil {
		r.m.sampler.stop()
		return Result{}, err
	}
	r.tally.expect(sent * int64(r.perMsg()))
	return r.finish(ctx)
}
