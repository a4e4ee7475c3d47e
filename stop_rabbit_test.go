package rpcexec_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/brokertest"
)

// slack is what a stop may take beyond its budget on a loaded machine.
const slack = 750 * time.Millisecond

// echoEndpoint answers "echo" with its argument.
func echoEndpoint() *dispatch.Endpoint {
	ep := dispatch.NewEndpoint(dispatch.Target{})
	dispatch.Handle(ep, "echo", func(_ context.Context, a echoArgs) (echoArgs, error) { return a, nil })
	return ep
}

// silencedServer is a server whose every connection (consuming and
// publishing) goes through a proxy that has gone silent after one call was
// answered: the broker neither answers nor closes, and the heartbeat
// threshold (60 s) is far away.
func silencedServer(t *testing.T, name string) *rpcexec.Server {
	t.Helper()
	logs := newLogRecorder(t)
	proxy := brokertest.Proxy(t)
	topic := brokertest.Topic(t, "s1")
	cfg := brokerConfig(rabbitURL(t, proxy.Addr()), name, logs)
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: topic, Server: "s1"}, dispatch.New(echoEndpoint()))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	client := newBrokerClient(t, brokerConfig(rabbitURL(t, ""), name, logs), topic)
	var got echoArgs
	if err := client.Call(t.Context(), "echo", echoArgs{Value: 1}, &got); err != nil || got.Value != 1 {
		t.Fatalf("call before the silence: got %+v, %v", got, err)
	}
	// The reply reached the client before its confirm reached the server:
	// wait until the server has acknowledged the call, so no task runs.
	for deadline := time.Now().Add(10 * time.Second); srv.Stats().Acked < 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the call was not acknowledged within 10 s: %+v", srv.Stats())
		}
	}
	proxy.Silence()
	t.Cleanup(proxy.Resume)
	return srv
}

// TestRabbitStopKeepsBudgetOnSilentBroker: Stop with a 3 s budget returns
// within it although the broker answers nothing (no close handshake, no
// queue delete), and does not blame tasks when none ran.
func TestRabbitStopKeepsBudgetOnSilentBroker(t *testing.T) {
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := silencedServer(t, name)
			const budget = 3 * time.Second
			ctx, cancel := context.WithTimeout(context.Background(), budget)
			defer cancel()
			start := time.Now()
			err := srv.Stop(ctx)
			took := time.Since(start)
			if took > budget+slack {
				t.Errorf("Stop took %s, want within its %s budget", took.Round(time.Millisecond), budget)
			}
			if err != nil && strings.Contains(err.Error(), "tasks still running") {
				t.Errorf("Stop: %v; want no tasks blamed, none was running", err)
			}
			select {
			case <-srv.Done():
			default:
				t.Error("Done still open after Stop returned")
			}
			t.Logf("Stop returned after %s: %v", took.Round(time.Millisecond), err)
		})
	}
}

// TestRabbitCloseBoundedOnSilentBroker: Close returns within CloseTimeout
// on a silent broker.
func TestRabbitCloseBoundedOnSilentBroker(t *testing.T) {
	srv := silencedServer(t, executor.Pool)
	start := time.Now()
	err := srv.Close()
	if took := time.Since(start); took > rpcexec.CloseTimeout+slack {
		t.Errorf("Close took %s, want within CloseTimeout (%s)", took.Round(time.Millisecond), rpcexec.CloseTimeout)
	}
	t.Logf("Close: %v", err)
}

// TestStopDuringStartOnUnreachableBroker: Start waits for a broker that
// does not answer (retrying); a Stop meanwhile returns within its budget
// and Start returns ErrServerStopped.
func TestStopDuringStartOnUnreachableBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	logs := newLogRecorder(t)
	cfg := brokerConfig("rabbit://guest:guest@"+addr+"/", executor.Pool, logs)
	cfg.RabbitRetryInterval = rpcexec.Duration(100 * time.Millisecond)
	retrying := logs.signal("cannot listen yet")
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "t", Server: "s"}, dispatch.New(echoEndpoint()))
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 1)
	go func() { started <- srv.Start(context.Background()) }()
	await(t, retrying, 10*time.Second, "Start retrying the unreachable broker")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	begin := time.Now()
	if err := srv.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if took := time.Since(begin); took > time.Second+slack {
		t.Errorf("Stop took %s, want within its 1 s budget", took.Round(time.Millisecond))
	}
	select {
	case err := <-started:
		if !errors.Is(err, rpcexec.ErrServerStopped) {
			t.Errorf("Start: got %v, want ErrServerStopped", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Start still waiting for the broker 5 s after Stop")
	}
}
