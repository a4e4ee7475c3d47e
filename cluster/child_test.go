package cluster_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/internal/syncbuf"
)

// A child is this test binary started again as an rpcexec server, for
// what a server in the test process cannot show: a process that dies
// (crash), or stops on a signal as a service manager stops it.
//
// childEnv holds "TOPIC SERVER"; the configuration comes from RPCEXEC_*
// variables, as any rpcexec service reads it (rpcexec.LoadConfig).
// childWorkEnv is how long record works (a Go duration).
const (
	childEnv     = "RPCEXEC_CLUSTER_CHILD"
	childWorkEnv = "RPCEXEC_CLUSTER_CHILD_WORK"
)

// crashStatus is the exit status of a child whose crash method ran.
const crashStatus = 3

// childMain serves topic as server: record(id) prints {"id": N} on stdout
// once handled; crash() exits the process with crashStatus at once, as a
// handler that brings its process down would. It prints {"ready": true}
// once consuming, and stops gracefully on SIGTERM or Ctrl-C, exiting 0
// when Stop returned cleanly.
func childMain() int {
	topic, server, _ := strings.Cut(os.Getenv(childEnv), " ")
	cfg, err := rpcexec.LoadConfig("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	work, _ := time.ParseDuration(os.Getenv(childWorkEnv))
	var mu sync.Mutex
	out := json.NewEncoder(os.Stdout)
	emit := func(v any) {
		mu.Lock()
		defer mu.Unlock()
		_ = out.Encode(v)
	}
	ep := dispatch.NewEndpoint(dispatch.Target{Version: "1.0"})
	dispatch.Handle(ep, "record", func(ctx context.Context, a idArgs) (any, error) {
		if work > 0 {
			select {
			case <-time.After(work):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		emit(map[string]int{"id": a.ID})
		return nil, nil
	})
	dispatch.Handle(ep, "crash", func(context.Context, struct{}) (any, error) {
		fmt.Fprintf(os.Stderr, "child %s: crash: exiting with status %d\n", server, crashStatus)
		os.Exit(crashStatus)
		return nil, nil
	})
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: topic, Server: server}, dispatch.New(ep))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		if ctx.Err() != nil { // stopped while starting, as asked
			return 0
		}
		fmt.Fprintln(os.Stderr, "child: start:", err)
		return 1
	}
	emit(map[string]bool{"ready": true})
	select {
	case <-ctx.Done():
	case <-srv.Done():
		fmt.Fprintln(os.Stderr, "child: the server stopped by itself:", srv.Err())
		return 1
	}
	stop, cancelStop := context.WithTimeout(context.Background(), childStopBudget)
	defer cancelStop()
	if err := srv.Stop(stop); err != nil {
		fmt.Fprintln(os.Stderr, "child: stop:", err)
		return 1
	}
	return 0
}

// childStopBudget is what a child's graceful stop may take.
const childStopBudget = 20 * time.Second

// child is a running child process, seen from the test.
type child struct {
	name   string
	cmd    *exec.Cmd
	stderr *syncbuf.Buffer
	ready  chan struct{} // closed at {"ready": true}
	exited chan struct{} // closed once it has exited; status is set then
	status int           // exit status; -1 when killed by a signal
}

// startChild starts a child serving topic as name with env (RPCEXEC_*
// settings) on top of a clean environment, counting the ids it handles
// into tl. It returns an error rather than failing the test, so that a
// supervising goroutine may call it.
func startChild(tl *tally, topic, name string, env ...string) (*child, error) {
	c := &child{name: name, stderr: new(syncbuf.Buffer), ready: make(chan struct{}), exited: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	for _, kv := range os.Environ() { // the test's own RPCEXEC_* settings are not the child's
		if !strings.HasPrefix(kv, "RPCEXEC_") {
			c.cmd.Env = append(c.cmd.Env, kv)
		}
	}
	c.cmd.Env = append(c.cmd.Env, childEnv+"="+topic+" "+name)
	c.cmd.Env = append(c.cmd.Env, env...)
	c.cmd.Stderr = c.stderr
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		defer close(c.exited)
		sc := bufio.NewScanner(stdout)
		ready := false
		for sc.Scan() {
			var l struct {
				Ready bool `json:"ready"`
				ID    *int `json:"id"`
			}
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			if l.Ready && !ready {
				ready = true
				close(c.ready)
			}
			if l.ID != nil {
				tl.add(*l.ID, name)
			}
		}
		_ = c.cmd.Wait()
		c.status = c.cmd.ProcessState.ExitCode()
	}()
	return c, nil
}

// terminate asks the child to stop gracefully, as a service manager does.
func (c *child) terminate() { _ = c.cmd.Process.Signal(syscall.SIGTERM) }

// wait waits for the child to exit and returns its status, or -2 after
// within.
func (c *child) wait(within time.Duration) int {
	select {
	case <-c.exited:
		return c.status
	case <-time.After(within):
		return -2
	}
}

// kill ends the child at once, if it still runs, and waits for it.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.exited
}
