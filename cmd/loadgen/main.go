package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rpcexec/rpcexec/bench"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
	exitTerminated  = 143
)

// sweepTimeout bounds the deletion of queues on the way out at once.
const sweepTimeout = 2 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its inputs and outputs as arguments. The first SIGINT
// ends the context, so every command stops cleanly and reports; a second
// SIGINT exits at once; SIGTERM ends the context and exits once the command
// has stopped, or after sweepTimeout, whichever is first.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	returned := make(chan struct{})
	watched := make(chan struct{})
	var terminated atomic.Bool
	go func() {
		defer close(watched)
		watchSignals(sigs, returned, cancel, &terminated, stderr, exitNow)
	}()
	status := runContext(ctx, args, stdout, stderr)
	close(returned)
	<-watched
	if terminated.Load() {
		return exitTerminated
	}
	return status
}

// watchSignals acts on signals until returned is closed: the first SIGINT
// cancels, a second calls exit; SIGTERM cancels and calls exit unless the
// command returns within sweepTimeout.
func watchSignals(sigs <-chan os.Signal, returned <-chan struct{}, cancel func(), terminated *atomic.Bool,
	stderr io.Writer, exit func(stderr io.Writer, status int)) {
	interrupted := false
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGTERM {
				terminated.Store(true)
				cancel()
				t := time.NewTimer(sweepTimeout)
				defer t.Stop()
				select {
				case <-returned:
				case <-t.C:
					exit(stderr, exitTerminated)
				case <-sigs:
					exit(stderr, exitTerminated)
				}
				return
			}
			if interrupted {
				exit(stderr, exitInterrupted)
				return
			}
			interrupted = true
			cancel()
		case <-returned:
			return
		}
	}
}

// exitNow deletes the queues the runs declared, within sweepTimeout, and
// exits with status.
func exitNow(stderr io.Writer, status int) {
	ctx, cancel := context.WithTimeout(context.Background(), sweepTimeout)
	defer cancel()
	if err := bench.SweepQueues(ctx); err != nil {
		fmt.Fprintf(stderr, "loadgen: some queues were left on the broker: %v\n", err)
	}
	os.Exit(status)
}

// runContext picks the command; tests call it with a context they end.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "rpc-server":
			return rpcServer(ctx, args[1:], stdout, stderr)
		case "rpc-client":
			return rpcClient(ctx, args[1:], stdout, stderr)
		}
	}
	return measure(ctx, args, stdout, stderr)
}
