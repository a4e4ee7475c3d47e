package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/bench"
	"github.com/rpcexec/rpcexec/executor"
)

// Defaults shared by rpc-server and rpc-client, the simulator's.
const (
	defaultTopic  = "profiler_topic"
	defaultServer = "profiler_server"
)

// peerFlags are the flags rpc-server and rpc-client share.
type peerFlags struct {
	url, topic, server, exchange, version string
	config                                configFlags
}

func (p *peerFlags) register(c *command, serverHelp string) {
	def := rpcexec.DefaultConfig()
	c.fs.StringVar(&p.url, "url", def.TransportURL, "transport URL: rabbit://user:pass@host:5672/vhost, or memory:// (this process only); "+
		"overrides transport_url of the configuration")
	c.fs.StringVar(&p.topic, "topic", defaultTopic, "topic")
	c.fs.StringVar(&p.server, "server", "", serverHelp)
	c.fs.StringVar(&p.exchange, "exchange", def.ControlExchange, "control exchange; overrides control_exchange of the configuration")
	c.fs.StringVar(&p.version, "version", "1.0", "API version")
	c.alias("topic", "tp")
	c.alias("server", "s")
	p.config.register(c)
}

// load returns the configuration of --config-file, --config-dir and the
// environment with --url and --exchange over it when they were given.
func (p *peerFlags) load(c *command) (rpcexec.Config, error) {
	cfg, err := p.config.load()
	if err != nil {
		return cfg, err
	}
	if c.set("url") {
		cfg.TransportURL = p.url
	}
	if c.set("exchange") {
		cfg.ControlExchange = p.exchange
	}
	return cfg, nil
}

// logger writes rpcexec's log lines at level and above to w.
func logger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
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

// serverFlags are rpc-server's own flags; each overrides the
// configuration only when given.
type serverFlags struct {
	executor, ack, metricsAddr string
	poolSize, prefetch         int
}

// rpcServer serves the simulator's endpoint until ctx ends, then prints
// how many requests each method handled as JSON on stdout.
func rpcServer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCommand("loadgen rpc-server", "loadgen rpc-server [flags]\n\n"+
		"Serves, in the null namespace at --version: echo(value), fail(message),\n"+
		"sleep(seconds) and stats(). Ctrl-C or SIGTERM stops it.", stderr)
	var p peerFlags
	p.register(c, "this server's name (default "+defaultServer+")")
	def := rpcexec.DefaultConfig()
	var f serverFlags
	c.fs.StringVar(&f.executor, "executor", def.Executor, "strategy: "+strings.Join(executor.Names(), ", "))
	c.fs.IntVar(&f.poolSize, "pool-size", def.ExecutorThreadPoolSize, "workers of the pool executor")
	c.fs.IntVar(&f.prefetch, "prefetch", 0, "messages in flight (0: twice the concurrency)")
	c.fs.StringVar(&f.ack, "ack", def.AckPolicy, "acknowledge after handling or before")
	c.fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus /metrics, /healthz and /readyz at `host:port`")
	c.alias("executor", "e")
	if ok, status := c.parse(args); !ok {
		return status
	}
	if p.server == "" {
		p.server = defaultServer
	}
	cfg, err := p.load(c)
	if err != nil {
		return configFailed(stderr, err)
	}
	for name, set := range map[string]func(){
		"executor":  func() { cfg.Executor = f.executor },
		"pool-size": func() { cfg.ExecutorThreadPoolSize = f.poolSize },
		"prefetch":  func() { cfg.PrefetchCount = f.prefetch },
		"ack":       func() { cfg.AckPolicy = f.ack },
	} {
		if c.set(name) {
			set()
		}
	}
	cfg.Logger = logger(stderr, slog.LevelInfo) // a server logs each failed request, as oslo's does
	if err := cfg.Validate(); err != nil {
		return c.fail(err)
	}
	if !reachable(ctx, cfg.TransportURL, stderr) {
		return exitFailed
	}
	counts, err := serveSim(ctx, cfg, rpcexec.Target{Topic: p.topic, Server: p.server}, p.version, f.metricsAddr,
		func(metricsURL string) {
			fmt.Fprintf(stderr, "loadgen rpc-server: serving topic %q as server %q at %s, executor %s, version %s%s (Ctrl-C stops)\n",
				p.topic, p.server, redact(cfg.TransportURL), cfg.Executor, p.version, metricsURL)
		})
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: rpc-server: %v\n", oneLine(err))
		return exitFailed
	}
	out, _ := json.Marshal(counts)
	fmt.Fprintf(stdout, "%s\n", out)
	return exitOK
}

// configFailed reports configuration that cannot be loaded: a file
// missing or malformed, a value of the wrong type. It is bad input, as a
// bad flag is, but the usage would not help.
func configFailed(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "loadgen: %v\n", err)
	return exitUsage
}
