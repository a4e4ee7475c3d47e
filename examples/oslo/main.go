package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
)

// Topic is what client.py calls.
const Topic = "rpcexec_example"

func main() {
	url := flag.String("url", "", "transport URL (default: the configuration's transport_url)")
	configFile := flag.String("config-file", "", "YAML, JSON or oslo.config INI file (nova.conf)")
	flag.Parse()
	cfg, err := rpcexec.LoadConfig(*configFile)
	if err != nil {
		log.Fatal(err)
	}
	if *url != "" {
		cfg.TransportURL = *url
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, os.Stdout, nil); err != nil {
		log.Fatal(err)
	}
}

// InstanceArgs are what a nova-style caller sends as keyword arguments.
type InstanceArgs struct {
	InstanceID string `json:"instance_id"`
	Reboot     bool   `json:"reboot"`
}

// serve serves Topic until ctx ends; ready, when not nil, is called once
// it is consuming.
func serve(ctx context.Context, cfg rpcexec.Config, out io.Writer, ready func()) error {
	cfg.Logger = slog.New(slog.NewTextHandler(out, nil))
	// oslo's null namespace at version 1.0, as client.py's Target asks.
	ep := dispatch.NewEndpoint(dispatch.Target{Version: "1.0"})
	dispatch.Handle(ep, "get_state", func(ctx context.Context, a InstanceArgs) (map[string]any, error) {
		cc := dispatch.FromContext(ctx) // the caller's oslo.context: request_id, user_id, project_id, …
		cfg.Logger.Info("get_state", "instance", a.InstanceID, "request_id", cc.RequestID(), "user_id", cc["user_id"])
		if a.InstanceID == "" {
			// A Python caller gets this class back (RemoteError unless it
			// allows the module through allowed_remote_exmods).
			return nil, &dispatch.Error{Class: "InstanceNotFound", Module: "nova.exception",
				Message: "Instance could not be found."}
		}
		return map[string]any{"instance_id": a.InstanceID, "power_state": "running", "request_id": cc.RequestID()}, nil
	})
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: Topic, Server: "go-1"}, dispatch.New(ep))
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "serving topic %s; Ctrl-C stops\n", Topic)
	if ready != nil {
		ready()
	}
	select {
	case <-ctx.Done():
	case <-srv.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Stop(stop)
}
