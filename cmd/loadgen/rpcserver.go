package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/bench"
	"github.com/rpcexec/rpcexec/bench/sim"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/transport"
)

// Defaults shared by rpc-server and rpc-client, the simulator's.
const (
	defaultTopic  = "profiler_topic"
	defaultServer = "profiler_server"
)

// peerFlags are the flags rpc-server and rpc-client share.
type peerFlags struct {
	url, topic, server, exchange, version string
}

func (p *peerFlags) register(c *command, serverHelp string) {
	c.fs.StringVar(&p.url, "url", "memory://", "transport URL: rabbit://user:pass@host:5672/vhost, or memory:// (this process only)")
	c.fs.StringVar(&p.topic, "topic", defaultTopic, "topic")
	c.fs.StringVar(&p.server, "server", "", serverHelp)
	c.fs.StringVar(&p.exchange, "exchange", "openstack", "control exchange")
	c.fs.StringVar(&p.version, "version", "1.0", "API version")
	c.alias("topic", "tp")
	c.alias("server", "s")
}

// check reports a malformed URL before anything connects.
func (p *peerFlags) check() error {
	_, err := transport.ParseURL(p.url)
	return err
}

// logger writes rpcexec's log lines at level and above to w.
func logger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// config is the rpcexec configuration of the peer.
func (p *peerFlags) config() rpcexec.Config {
	cfg := rpcexec.DefaultConfig()
	cfg.TransportURL = p.url
	cfg.ControlExchange = p.exchange
	return cfg
}

// reachable prints the one line of an unreachable broker.
func reachable(ctx context.Context, url string, stderr io.Writer) bool {
	if !bench.IsRabbit(url) {
		return true
	}
	if _, err := bench.Probe(ctx, url); err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return false
	}
	return true
}

// rpcServer serves the simulator's endpoint until ctx ends, then prints
// how many requests each method handled as JSON on stdout.
func rpcServer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCommand("loadgen rpc-server", "loadgen rpc-server [flags]\n\n"+
		"Serves, in the null namespace at --version: echo(value), fail(message),\n"+
		"sleep(seconds) and stats(). Ctrl-C or SIGTERM stops it.", stderr)
	var p peerFlags
	p.register(c, "this server's name (default "+defaultServer+")")
	cfg := rpcexec.DefaultConfig()
	c.fs.StringVar(&cfg.Executor, "executor", cfg.Executor, "strategy: "+strings.Join(executor.Names(), ", "))
	c.fs.IntVar(&cfg.ExecutorThreadPoolSize, "pool-size", cfg.ExecutorThreadPoolSize, "workers of the pool executor")
	c.fs.IntVar(&cfg.PrefetchCount, "prefetch", 0, "messages in flight (0: twice the concurrency)")
	c.fs.StringVar(&cfg.AckPolicy, "ack", cfg.AckPolicy, "acknowledge after handling or before")
	c.alias("executor", "e")
	if ok, status := c.parse(args); !ok {
		return status
	}
	if p.server == "" {
		p.server = defaultServer
	}
	base := p.config()
	cfg.TransportURL, cfg.ControlExchange = base.TransportURL, base.ControlExchange
	cfg.Logger = logger(stderr, slog.LevelInfo) // a server logs each failed request, as oslo's does
	if err := errors.Join(p.check(), cfg.Validate()); err != nil {
		return c.fail(err)
	}
	if !reachable(ctx, p.url, stderr) {
		return exitFailed
	}
	ready := func() {
		fmt.Fprintf(stderr, "loadgen rpc-server: serving topic %q as server %q at %s, executor %s, version %s (Ctrl-C stops)\n",
			p.topic, p.server, redact(p.url), cfg.Executor, p.version)
	}
	counts, err := sim.Serve(ctx, cfg, rpcexec.Target{Topic: p.topic, Server: p.server}, p.version, ready)
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: rpc-server: %v\n", oneLine(err))
		return exitFailed
	}
	out, _ := json.Marshal(counts)
	fmt.Fprintf(stdout, "%s\n", out)
	return exitOK
}
