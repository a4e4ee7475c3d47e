// Command loadgen measures rpcexec's executors side by side, and plays
// oslo.messaging's simulator peers.
//
//	go run ./cmd/loadgen                      # every executor on the embedded bus
//	go run ./cmd/loadgen --prefill --baseline # the server path alone, against the raw limit
//	go run ./cmd/loadgen rpc-server --url rabbit://…
//	go run ./cmd/loadgen rpc-client --url rabbit://… --method echo --args '{"value": 1}'
//
// Exit status: 0 done, 1 failed, 2 bad usage, 130 interrupted (what was
// measured until then is printed).
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its inputs and outputs as arguments: SIGINT and SIGTERM
// end the context, so every command stops cleanly on Ctrl-C.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, args, stdout, stderr)
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
