package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/metrics"
	"github.com/rpcexec/rpcexec/tracing"
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var configFiles files
	url := flag.String("url", "", "transport URL (default: the configuration's transport_url)")
	metricsAddr := flag.String("metrics-addr", "127.0.0.1:0", "serve /metrics, /healthz and /readyz here")
	serve := flag.Bool("serve", false, "serve until Ctrl-C instead of calling itself and stopping")
	flag.Var(&configFiles, "config-file", "YAML, JSON or oslo.config INI file; repeatable")
	flag.Parse()

	cfg, err := rpcexec.LoadConfigFiles(configFiles...)
	if err != nil {
		log.Fatal(err)
	}
	if *url != "" {
		cfg.TransportURL = *url
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, *metricsAddr, *serve, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, cfg rpcexec.Config, metricsAddr string, serve bool, out io.Writer) error {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(textExporter{out}))
	defer tp.Shutdown(context.Background())
	traced := []tracing.Option{tracing.WithTracerProvider(tp)}

	ep := dispatch.NewEndpoint(dispatch.Target{Version: "1.0"})
	dispatch.Handle(ep, "echo", func(ctx context.Context, a struct {
		Value any `json:"value"`
	}) (any, error) {
		return a.Value, nil
	})
	requests := metrics.NewRequests(nil)
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "example", Server: "example-1"}, dispatch.New(ep),
		rpcexec.WithInterceptors(requests.Interceptor(), tracing.ServerInterceptor(traced...)))
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(requests, metrics.NewCollector(srv, nil))
	hs, err := metrics.Listen(metricsAddr, metrics.Handler(reg, srv)) // an address in use fails here
	if err != nil {
		return err
	}
	defer hs.Close(context.Background())
	fmt.Fprintf(out, "metrics at http://%s/metrics, readiness at /readyz\n", hs.Addr())

	start, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := srv.Start(start); err != nil { // waits for the broker, retrying
		return err
	}
	defer func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Stop(stop)
	}()
	if serve {
		fmt.Fprintln(out, "serving topic example; Ctrl-C stops")
		<-ctx.Done()
		return nil
	}

	client, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "example"},
		rpcexec.WithClientInterceptors(tracing.ClientInterceptor(traced...)))
	if err != nil {
		return err
	}
	defer client.Close()
	// The caller context travels as oslo's _context_ fields: request_id is
	// the one OpenStack logs correlate on.
	ctx = dispatch.NewContext(ctx, dispatch.CallerContext{"request_id": "req-example-1"})
	var got string
	if err := client.Prepare(rpcexec.Timeout(10*time.Second)).Call(ctx, "echo", map[string]string{"value": "hello"}, &got); err != nil {
		return err
	}
	fmt.Fprintln(out, "echo:", got)
	err = client.Call(ctx, "nope", nil, nil)
	fmt.Fprintln(out, "nope is no method:", errors.Is(err, dispatch.ErrNoSuchMethod))
	return nil
}

// textExporter prints each finished span on one line.
type textExporter struct{ w io.Writer }

func (e textExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	for _, s := range spans {
		var attrs []string
		for _, kv := range s.Attributes() {
			attrs = append(attrs, string(kv.Key)+"="+kv.Value.String())
		}
		fmt.Fprintf(e.w, "span trace=%s id=%s parent=%s %s %q %s status=%s [%s]\n",
			s.SpanContext().TraceID(), s.SpanContext().SpanID(), s.Parent().SpanID(), s.SpanKind(), s.Name(),
			s.EndTime().Sub(s.StartTime()).Round(time.Microsecond), s.Status().Code, strings.Join(attrs, " "))
	}
	return nil
}

func (textExporter) Shutdown(context.Context) error { return nil }
