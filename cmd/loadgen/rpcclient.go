package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/bench/sim"
	"github.com/rpcexec/rpcexec/dispatch"
)

// seconds is a flag of seconds, as oslo's options are ("3", "0.5"), which
// also takes a Go duration ("1m").
type seconds struct{ d *time.Duration }

func (s seconds) String() string {
	if s.d == nil {
		return ""
	}
	return strconv.FormatFloat(s.d.Seconds(), 'g', -1, 64)
}

func (s seconds) Set(v string) error {
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
		*s.d = time.Duration(f * float64(time.Second))
		return nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		*s.d = d
		return nil
	}
	return errors.New("want a positive number of seconds such as 3 or 0.5, or a duration such as 1m")
}

// rpcClient sends --messages requests. With one call it prints the reply
// as JSON on stdout, or the remote error's class and message on stderr.
func rpcClient(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCommand("loadgen rpc-client", "loadgen rpc-client [flags]", stderr)
	var p peerFlags
	p.register(c, "send to this server of the topic only (default: any)")
	r := sim.Request{Timeout: 60 * time.Second}
	var argsText string
	c.fs.StringVar(&r.Method, "method", sim.MethodEcho, "method to call")
	c.fs.StringVar(&argsText, "args", "{}", "the method's arguments, a JSON `object`")
	c.fs.StringVar(&r.Namespace, "namespace", "", "endpoint namespace (default: the null namespace)")
	c.fs.BoolVar(&r.Cast, "cast", false, "cast: send without waiting for a reply")
	c.fs.BoolVar(&r.Fanout, "fanout", false, "cast to every server of the topic")
	c.fs.Var(seconds{&r.Timeout}, "timeout", "seconds a call waits for its reply (default: rpc_response_timeout of the configuration, 60)")
	c.fs.IntVar(&r.Messages, "messages", 1, "requests to send")
	c.fs.Float64Var(&r.Rate, "rate", 0, "requests per second at most (0: as fast as they go)")
	c.alias("cast", "is-cast")
	c.alias("fanout", "is-fanout")
	c.alias("messages", "m")
	if ok, status := c.parse(args); !ok {
		return status
	}
	r.Server, r.Version = p.server, p.version
	cfg, err := p.load(c)
	if err != nil {
		return configFailed(stderr, err)
	}
	if !c.set("timeout") {
		r.Timeout = cfg.RPCResponseTimeout.Std() // rpc_response_timeout of the configuration
	}
	if err := errors.Join(cfg.Validate(), checkRequest(&r, argsText)); err != nil {
		return c.fail(err)
	}
	if !reachable(ctx, cfg.TransportURL, stderr) {
		return exitFailed
	}
	cfg.Logger = logger(stderr, slog.LevelWarn)
	client, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: p.topic})
	if err != nil {
		return c.fail(err)
	}
	defer client.Close()
	s, err := sim.Send(ctx, client, r)
	if err != nil { // interrupted
		fmt.Fprintf(stderr, "loadgen: rpc-client: interrupted: %s\n", s)
		return exitInterrupted
	}
	if r.Messages == 1 {
		return reportOne(s, r, stdout, stderr)
	}
	fmt.Fprintln(stdout, s)
	if s.FirstErr != nil {
		fmt.Fprintf(stderr, "loadgen: rpc-client: first failure: %s\n", describe(s.FirstErr))
		return exitFailed
	}
	return exitOK
}

func checkRequest(r *sim.Request, argsText string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(argsText), &obj); err != nil || obj == nil {
		return fmt.Errorf("--args %q: want a JSON object such as '{\"value\": 1}'", argsText)
	}
	r.Args = json.RawMessage(argsText)
	if r.Method == "" {
		return errors.New("--method: want a method name")
	}
	if r.Messages < 1 {
		return fmt.Errorf("--messages %d: want at least 1", r.Messages)
	}
	if r.Rate < 0 {
		return fmt.Errorf("--rate %g: want ≥ 0", r.Rate)
	}
	return nil
}

// reportOne prints the outcome of a single request.
func reportOne(s *sim.Summary, r sim.Request, stdout, stderr io.Writer) int {
	if s.FirstErr != nil {
		fmt.Fprintln(stderr, describe(s.FirstErr))
		return exitFailed
	}
	if !r.Cast && !r.Fanout {
		var out bytes.Buffer
		if json.Compact(&out, s.Reply) != nil || out.Len() == 0 {
			out.Reset()
			out.WriteString("null")
		}
		fmt.Fprintf(stdout, "%s\n", out.Bytes())
	}
	return exitOK
}

// describe is a remote error as Python ends a traceback, "Class: message";
// a local one (a timeout, no such topic) says where it came from.
func describe(err error) string {
	var remote *dispatch.Error
	if errors.As(err, &remote) {
		return remote.Error()
	}
	return "loadgen: rpc-client: " + oneLine(err)
}
