package bench

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rpcexec/rpcexec"
)

// OsloPython is the interpreter that has oslo.messaging: Debian's
// python3-oslo.messaging installs it for the system's python3, which may
// not be the first on PATH.
const OsloPython = "/usr/bin/python3"

//go:embed oslopeer.py
var osloPeer string

// OsloAvailable says why oslo.messaging cannot be measured here, or nil
// when it can: OsloPython imports oslo_messaging.
func OsloAvailable(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, OsloPython, "-c", "import oslo_messaging")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		last := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(last, '\n'); i >= 0 {
			last = last[i+1:]
		}
		if last != "" {
			err = fmt.Errorf("%w (%s)", err, last)
		}
		return fmt.Errorf("%s cannot import oslo_messaging: %w; install Debian's python3-oslo.messaging", OsloPython, err)
	}
	return nil
}

func describeOslo(w Workload) string {
	cfg, _ := w.Config()
	s := fmt.Sprintf("oslo.messaging: its own RPC server (%s, executor threading with %d threads, "+
		"rabbit_qos_prefetch_count %d, publisher confirms on replies)", OsloPython, cfg.ExecutorThreadPoolSize, cfg.QoS())
	switch {
	case w.Mode == Call && !w.Prefill:
		s += fmt.Sprintf(", called by its own RPC client from %d threads", w.Publishers)
	case w.Prefill:
		s += ", on the queue filled first"
	default:
		s += ", sent the same casts by rpcexec's client"
	}
	return s + "; one Python process per server"
}

// oslo measures oslo.messaging's server (and client, for calls) with w.
func (r *run) oslo(ctx context.Context) (res Result, err error) {
	e := r.e
	if e.uri == "" {
		return Result{}, fmt.Errorf("%w: %s needs RabbitMQ", ErrBadWorkload, Oslo)
	}
	if err := OsloAvailable(ctx); err != nil {
		return Result{}, err
	}
	url := "rabbit://" + strings.TrimPrefix(strings.TrimPrefix(e.uri, "amqp://"), "amqps://")
	cfg := e.cfg
	e.remember(e.topicQueues()...)
	work, err := json.Marshal(e.w.Work.spec())
	if err != nil {
		return Result{}, err
	}
	wall := e.w.Mode == Call && !e.w.Prefill // t is the Python client's wall clock
	counts := make([]atomic.Int64, e.w.Servers)
	var servers []*osloProc
	var readers sync.WaitGroup
	defer func() {
		wait := 5 * time.Second
		if ctx.Err() != nil {
			wait = 0 // interrupted: no waiting for oslo's graceful stop
		}
		for _, p := range servers {
			p.stop(wait)
		}
		readers.Wait()
	}()
	for i := range e.w.Servers {
		p, err := r.startOslo(ctx, "server", url, e.exchange, e.topic, serverName(i),
			strconv.Itoa(cfg.QoS()), strconv.Itoa(cfg.ExecutorThreadPoolSize), string(work))
		if err != nil {
			return Result{}, err
		}
		servers = append(servers, p)
	}
	start := func() error {
		for _, p := range servers {
			if err := p.send("start"); err != nil {
				return err
			}
			if _, err := r.control(ctx, p, "started"); err != nil {
				return err
			}
		}
		for i, p := range servers {
			readers.Go(func() { r.osloHandled(p, &counts[i], wall) })
		}
		return nil
	}
	switch {
	case e.w.Prefill:
		stopDrain, err := r.fill(ctx)
		if err != nil {
			return Result{}, err
		}
		defer stopDrain()
		r.tally.expect(r.expected())
		r.begin()
		if err := start(); err != nil {
			r.m.sampler.stop()
			return Result{}, err
		}
	case e.w.Mode == Call:
		if err := start(); err != nil {
			return Result{}, err
		}
		sent, err := r.osloCalls(ctx, url)
		if err != nil {
			return res, err
		}
		r.tally.expect(sent)
	default:
		if err := start(); err != nil {
			return Result{}, err
		}
		c, err := rpcexec.NewClient(e.cfg, rpcexec.Target{Topic: e.topic}, rpcexec.WithClientTransport(e.tr))
		if err != nil {
			return Result{}, err
		}
		defer c.Close()
		r.begin()
		sent, err := publishers(ctx, e.w, r.win, r.perMsg(), func(ctx context.Context, _ int, seq uint64) error {
			return c.Cast(ctx, methodRun, runArgs{T: r.now(), S: seq, P: r.payload})
		})
		if err != nil && ctx.Err() == nil {
			r.m.sampler.stop()
			return Result{}, err
		}
		r.tally.expect(sent)
	}
	res, err = r.finish(ctx)
	res.Elsewhere = true
	if len(counts) > 1 {
		for i := range counts {
			res.PerServer = append(res.PerServer, counts[i].Load())
		}
	}
	return res, err
}

// osloCalls runs oslo.messaging's client against the servers and returns
// how many calls it made; the clock starts when it starts calling.
func (r *run) osloCalls(ctx context.Context, url string) (int64, error) {
	e := r.e
	p, err := r.startOslo(ctx, "client", url, e.exchange, e.topic, strconv.Itoa(e.w.Publishers),
		strconv.Itoa(e.w.Messages), strconv.FormatFloat(e.w.Duration.Seconds(), 'f', -1, 64),
		strconv.FormatFloat(e.cfg.RPCResponseTimeout.Std().Seconds(), 'f', -1, 64), strconv.Itoa(e.w.Payload))
	if err != nil {
		return 0, err
	}
	defer func() {
		wait := 5 * time.Second
		if ctx.Err() != nil {
			wait = 0
		}
		p.stop(wait)
	}()
	r.begin()
	if err := p.send("start"); err != nil {
		r.m.sampler.stop()
		return 0, err
	}
	l, err := r.control(ctx, p, "sent")
	if err != nil {
		if ctx.Err() != nil {
			return r.tally.handled.Load(), nil // interrupted: finish reports what was handled
		}
		r.m.sampler.stop()
		return 0, err
	}
	if l.Errors != nil && *l.Errors > 0 {
		r.m.sampler.stop()
		return 0, fmt.Errorf("bench: oslo.messaging client: %d calls failed: %s", *l.Errors, l.Error)
	}
	return *l.Sent, nil
}

// osloHandled reads a server's "h T" lines until it exits.
func (r *run) osloHandled(p *osloProc, count *atomic.Int64, wall bool) {
	for p.lines.Scan() {
		b := p.lines.Bytes()
		if !bytes.HasPrefix(b, []byte("h ")) {
			continue
		}
		t, err := strconv.ParseInt(string(b[2:]), 10, 64)
		if err != nil {
			continue
		}
		now := r.now()
		if wall {
			now = time.Now().UnixNano()
		}
		count.Add(1)
		r.m.lat.Record(time.Duration(now - t))
		r.win.release()
		r.tally.add()
	}
}
