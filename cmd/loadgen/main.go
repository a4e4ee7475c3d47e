// Command loadgen measures rpcexec's executors side by side.
//
//	go run ./cmd/loadgen
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"text/tabwriter"

	"github.com/rpcexec/rpcexec/bench"
	"github.com/rpcexec/rpcexec/executor"
)

func main() {
	messages := flag.Int("messages", 200_000, "casts per executor")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	out := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out, "executor\tmessages\tseconds\tmsgs/s\t")
	for _, name := range executor.Names() {
		r, err := bench.Run(ctx, bench.Workload{Executor: name, Messages: *messages})
		if err != nil {
			fmt.Fprintf(os.Stderr, "loadgen: %s: %v\n", name, err)
			os.Exit(1)
		}
		fmt.Fprintf(out, "%s\t%d\t%.2f\t%.0f\t\n", r.Executor, r.Messages, r.Elapsed.Seconds(), r.MsgsPerSec)
	}
	out.Flush()
}
