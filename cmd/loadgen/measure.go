package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rpcexec/rpcexec/bench"
	"github.com/rpcexec/rpcexec/bench/report"
	"github.com/rpcexec/rpcexec/executor"
)

// measureFlags are the measuring command's settings.
type measureFlags struct {
	executor, work, format, plot string
	baseline                     bool
	w                            bench.Workload
	config                       configFlags
}

func newMeasureCommand(stderr io.Writer) (*command, *measureFlags) {
	c := newCommand("loadgen", "loadgen [flags]   (or loadgen rpc-server|rpc-client [flags])", stderr)
	f := &measureFlags{}
	fs := c.fs
	fs.StringVar(&f.w.URL, "url", "memory://", "transport URL: memory:// (embedded bus), rabbit://user:pass@host:5672/vhost, amqp://…")
	fs.StringVar(&f.w.Exchange, "exchange", "openstack", "control exchange")
	fs.StringVar(&f.executor, "executor", "all", "`strategy` to measure: "+strings.Join(executor.Names(), ", ")+", a comma-separated list, or all")
	fs.IntVar(&f.w.PoolSize, "pool-size", executor.DefaultPoolSize, "workers of the pool executor (executor_thread_pool_size)")
	fs.IntVar(&f.w.Prefetch, "prefetch", 0, "messages in flight per server (rabbit_qos_prefetch_count); 0 is twice the concurrency")
	fs.StringVar(&f.w.Ack, "ack", "after", "acknowledge `after` handling (at-least-once) or before (at-most-once)")
	fs.IntVar(&f.w.Messages, "messages", 100_000, "messages to send per strategy")
	fs.DurationVar(&f.w.Duration, "duration", 0, "send for this long per strategy instead of a number of messages")
	fs.IntVar(&f.w.Publishers, "publishers", 0, "publishing goroutines; for calls each waits for its reply (0: 4, or 64 for calls)")
	fs.IntVar(&f.w.Window, "window", 0, "casts published and not yet handled, per server (0: twice the prefetch)")
	fs.IntVar(&f.w.Servers, "servers", 0, "servers of the topic (0: 1, or 2 for fanout)")
	fs.StringVar(&f.w.Mode, "mode", bench.Cast, "cast, call or fanout")
	fs.StringVar(&f.work, "work", "0", "`spec` of each message's work: "+bench.WorkSyntax)
	fs.IntVar(&f.w.Payload, "payload", 0, "`bytes` of padding in each request")
	fs.BoolVar(&f.w.Prefill, "prefill", false, "fill the queue first and time the servers alone (the server path)")
	fs.BoolVar(&f.baseline, "baseline", false, "also measure the transport's raw limit (a bare consumer) and each strategy's ratio to it")
	fs.StringVar(&f.format, "format", report.Table, "output: "+strings.Join(report.Formats, ", "))
	fs.StringVar(&f.plot, "plot", "", "write a chart of msgs/s and latency per strategy to `file` (.png or .svg)")
	c.alias("messages", "m")
	c.alias("duration", "l")
	c.alias("publishers", "p")
	c.alias("executor", "e")
	f.config.register(c)
	return c, f
}

// strategies resolves --executor, with the baseline first when asked for.
func (f *measureFlags) strategies() ([]string, error) {
	var names []string
	if f.baseline {
		names = append(names, bench.Baseline)
	}
	if f.executor == "all" {
		return append(names, executor.Names()...), nil
	}
	for _, n := range strings.Split(f.executor, ",") {
		if !slices.Contains(executor.Names(), n) {
			return nil, fmt.Errorf("--executor %q: want one of %s, or all", n, strings.Join(executor.Names(), ", "))
		}
		names = append(names, n)
	}
	return names, nil
}

// validate checks what the flags cannot check alone.
func (f *measureFlags) validate(c *command) (names []string, err error) {
	if f.w.Work, err = bench.ParseWork(f.work); err != nil {
		return nil, fmt.Errorf("--work: %w", err)
	}
	if c.set("duration") && !c.set("messages") {
		f.w.Messages = 0 // bounded by time alone
	}
	if !slices.Contains(report.Formats, f.format) {
		return nil, fmt.Errorf("--format %q: want %s", f.format, strings.Join(report.Formats, ", "))
	}
	if ext := strings.ToLower(filepath.Ext(f.plot)); f.plot != "" && ext != ".png" && ext != ".svg" {
		return nil, fmt.Errorf("--plot %q: want a file name ending in .png or .svg", f.plot)
	}
	if names, err = f.strategies(); err != nil {
		return nil, err
	}
	for _, n := range names {
		w := f.w
		w.Executor = n
		if err := w.Validate(); err != nil {
			return nil, err
		}
		if _, err := w.Config(); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// measure is the default command: run each strategy, then report.
func measure(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, f := newMeasureCommand(stderr)
	if ok, status := c.parse(args); !ok {
		return status
	}
	if err := f.applyConfig(c); err != nil {
		return configFailed(stderr, err)
	}
	names, err := f.validate(c)
	if err != nil {
		return c.fail(err)
	}
	if bench.IsRabbit(f.w.URL) {
		if _, err := bench.Probe(ctx, f.w.URL); err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return exitFailed
		}
	}
	prog := newProgress(stderr)
	f.w.Progress = prog.show
	f.w.Logger = logger(stderr, slog.LevelWarn)
	rep := bench.NewReport(f.w)
	status := exitOK
	for _, name := range names {
		w := f.w
		w.Executor = name
		start := time.Now()
		res, err := bench.Run(ctx, w)
		prog.clear()
		if err != nil && !(res.Partial && ctx.Err() != nil) {
			fmt.Fprintf(stderr, "loadgen: %s: %v\n", name, oneLine(err))
			status = exitFailed
			break
		}
		rep.Results = append(rep.Results, res)
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "loadgen: interrupted during %s after %s\n", name, time.Since(start).Round(time.Millisecond))
			status = exitInterrupted
			break
		}
	}
	if len(rep.Results) == 0 {
		return status
	}
	rep.SetRatios()
	if err := report.Write(stdout, f.format, rep); err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return exitFailed
	}
	if f.plot != "" {
		if err := report.PlotFile(f.plot, rep); err != nil {
			fmt.Fprintf(stderr, "loadgen: --plot: %v\n", err)
			return exitFailed
		}
	}
	return status
}

// oneLine keeps an error to its first line: joined errors print one per
// line, which a terminal reader takes for several failures.
func oneLine(err error) string {
	var u *bench.UnreachableError
	if errors.As(err, &u) {
		return u.Error()
	}
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
