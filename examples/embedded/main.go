package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// AddArgs are add's arguments, as a Python caller passes keyword arguments.
type AddArgs struct {
	A int `json:"a"`
	B int `json:"b"`
}

func run(ctx context.Context, out io.Writer) error {
	cfg := rpcexec.DefaultConfig() // transport_url memory://: the embedded bus
	cfg.TransportURL = "memory://example"

	calc := dispatch.NewEndpoint(dispatch.Target{Namespace: "calc", Version: "1.1"})
	dispatch.Handle(calc, "add", func(ctx context.Context, a AddArgs) (int, error) {
		return a.A + a.B, nil
	})
	dispatch.Handle(calc, "divide", func(ctx context.Context, a AddArgs) (int, error) {
		if a.B == 0 {
			return 0, &dispatch.Error{Class: "ZeroDivisionError", Module: dispatch.BuiltinsModule, Message: "division by zero"}
		}
		return a.A / a.B, nil
	})
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "calc", Server: "calc-1"}, dispatch.New(calc))
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Stop(stop)
	}()

	client, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "calc"})
	if err != nil {
		return err
	}
	defer client.Close()
	c := client.Prepare(rpcexec.InNamespace("calc"), rpcexec.AtVersion("1.0"), rpcexec.Timeout(5*time.Second))
	var sum int
	if err := c.Call(ctx, "add", AddArgs{A: 2, B: 3}, &sum); err != nil {
		return err
	}
	fmt.Fprintln(out, "add(2, 3) =", sum)
	err = c.Call(ctx, "divide", AddArgs{A: 1}, nil)
	var remote *dispatch.Error
	if errors.As(err, &remote) {
		fmt.Fprintln(out, "divide(1, 0) failed:", remote.Class, remote.Message)
	}
	err = c.Call(ctx, "multiply", AddArgs{}, nil)
	fmt.Fprintln(out, "multiply is no method:", errors.Is(err, dispatch.ErrNoSuchMethod))
	return nil
}
