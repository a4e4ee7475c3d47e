package rpcexec_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/brokertest"
)

// TestRabbitEndToEnd is TestEndToEnd on RabbitMQ: 2,000 casts and 300 calls
// from 16 concurrent callers through a server on each executor. Every cast
// is handled exactly once, every call answered with its own value, and the
// server received each message once (no redelivery) and acknowledged it.
func TestRabbitEndToEnd(t *testing.T) {
	const casts, calls, callers = 2000, 300, 16
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			logs := newLogRecorder(t)
			cfg := brokerConfig(rabbitURL(t, ""), name, logs)
			topic := brokertest.Topic(t, "s1")
			seen := newTally(casts)
			ep := dispatch.NewEndpoint(dispatch.Target{})
			dispatch.Handle(ep, "record", func(_ context.Context, a idArgs) (any, error) {
				seen.add(a.ID)
				return nil, nil
			})
			dispatch.Handle(ep, "echo", func(_ context.Context, a echoArgs) (echoArgs, error) {
				return a, nil
			})
			srv := startBrokerServer(t, cfg, topic, "s1", ep)
			client := newBrokerClient(t, cfg, topic)

			castIDs(t, client, "record", casts)
			var wg sync.WaitGroup
			for w := range callers {
				wg.Go(func() {
					for i := w; i < calls; i += callers {
						var got echoArgs
						if err := client.Call(context.Background(), "echo", echoArgs{Value: i}, &got); err != nil || got.Value != i {
							t.Errorf("call %d: got %+v, %v; want value %d", i, got, err, i)
						}
					}
				})
			}
			wg.Wait()
			awaitAll(t, seen, 60*time.Second)
			stopServer(t, srv)
			seen.check(t)

			st := srv.Stats()
			if want := int64(casts + calls); st.Received != want || st.Acked != want {
				t.Errorf("server stats: got received %d, acked %d; want %d each (no redelivery, all acknowledged)",
					st.Received, st.Acked, want)
			}
			if st.PeakInFlight > 128 {
				t.Errorf("peak in flight %d, want ≤ the prefetch 128 (the broker may hold 3 × 128 for the 3 queues)", st.PeakInFlight)
			}
			if st.Requeued != 0 || st.Rejected != 0 {
				t.Errorf("server stats: got requeued %d, rejected %d; want 0", st.Requeued, st.Rejected)
			}
			if ready, consumers := awaitDepth(t, topic, 0, 10*time.Second); ready != 0 || consumers != 0 {
				t.Errorf("topic queue after stop: got %d ready, %d consumers; want 0, 0", ready, consumers)
			}
		})
	}
}

// TestRabbitFanoutAndDirect: a fanout cast reaches both servers of a topic,
// once each; casts and calls addressed to server b reach only b.
func TestRabbitFanoutAndDirect(t *testing.T) {
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			logs := newLogRecorder(t)
			cfg := brokerConfig(rabbitURL(t, ""), name, logs)
			topic := brokertest.Topic(t, "a", "b")
			casts := make(chan string, 64)
			startBrokerServer(t, cfg, topic, "a", whoEndpoint("a", casts))
			startBrokerServer(t, cfg, topic, "b", whoEndpoint("b", casts))
			client := newBrokerClient(t, cfg, topic)
			ctx := context.Background()

			if err := client.Prepare(rpcexec.Fanout()).Cast(ctx, "ping", nil); err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for range 2 {
				select {
				case who := <-casts:
					got[who]++
				case <-time.After(30 * time.Second):
					t.Fatalf("fanout cast reached %v within 30 s, want a and b", got)
				}
			}
			if got["a"] != 1 || got["b"] != 1 {
				t.Errorf("fanout cast reached %v, want a and b once each", got)
			}

			const direct = 20
			toB := client.Prepare(rpcexec.ToServer("b"))
			for i := range direct {
				if err := toB.Cast(ctx, "ping", nil); err != nil {
					t.Fatalf("cast %d to b: %v", i, err)
				}
			}
			for i := range direct {
				select {
				case who := <-casts:
					if who != "b" {
						t.Errorf("cast %d to server b was handled by %q, want b", i, who)
					}
				case <-time.After(30 * time.Second):
					t.Fatalf("casts to b: got %d handled within 30 s, want %d", i, direct)
				}
			}
			for i := range direct {
				var who string
				if err := toB.Call(ctx, "who", nil, &who); err != nil || who != "b" {
					t.Fatalf("call %d to server b: answered by %q (%v), want b", i, who, err)
				}
			}
			// Calls to b went through b's queue: had they reached the shared
			// topic queue, a would have answered some of them. Nothing else
			// may have been handled meanwhile.
			select {
			case who := <-casts:
				t.Errorf("an extra cast was handled by %q, want none", who)
			default:
			}
		})
	}
}

// TestRabbitDispatchAcrossTheWire: namespaces, versions and every kind of
// failure survive the trip through RabbitMQ and come back as errors the
// caller can tell apart.
func TestRabbitDispatchAcrossTheWire(t *testing.T) {
	for _, name := range executor.Names() {
		t.Run(name, func(t *testing.T) {
			logs := newLogRecorder(t)
			cfg := brokerConfig(rabbitURL(t, ""), name, logs)
			topic := brokertest.Topic(t, "s1")
			ep := dispatch.NewEndpoint(dispatch.Target{Namespace: "control", Version: "2.5"})
			dispatch.Handle(ep, "echo", func(_ context.Context, a echoArgs) (echoArgs, error) { return a, nil })
			dispatch.Handle(ep, "fail", func(context.Context, struct{}) (any, error) {
				return nil, errors.New("it broke")
			})
			dispatch.Handle(ep, "boom", func(context.Context, struct{}) (any, error) { panic("kaboom") })
			startBrokerServer(t, cfg, topic, "s1", ep)
			client := newBrokerClient(t, cfg, topic)
			ctx := context.Background()

			control := client.Prepare(rpcexec.InNamespace("control"), rpcexec.AtVersion("2.3"))
			var got echoArgs
			if err := control.Call(ctx, "echo", echoArgs{Value: 42}, &got); err != nil || got.Value != 42 {
				t.Fatalf("echo at 2.3 in control: got %+v, %v; want value 42", got, err)
			}

			tests := []struct {
				name   string
				client *rpcexec.Client
				method string
				args   any
				is     error  // errors.Is target, if any
				class  string // the remote class, if any
				text   string // in the error's text
			}{
				{"newer major version", client.Prepare(rpcexec.InNamespace("control"), rpcexec.AtVersion("3.0")), "echo",
					echoArgs{Value: 1}, dispatch.ErrUnsupportedVersion, "UnsupportedVersion", "3.0"},
				{"newer minor version", client.Prepare(rpcexec.InNamespace("control"), rpcexec.AtVersion("2.6")), "echo",
					echoArgs{Value: 1}, dispatch.ErrUnsupportedVersion, "UnsupportedVersion", "2.6"},
				{"other namespace", client.Prepare(rpcexec.InNamespace("compute"), rpcexec.AtVersion("2.3")), "echo",
					echoArgs{Value: 1}, dispatch.ErrUnsupportedVersion, "UnsupportedVersion", "2.3"},
				{"no such method", control, "nope", nil, dispatch.ErrNoSuchMethod, "NoSuchMethod",
					"Endpoint does not support RPC method nope"},
				{"endpoint error", control, "fail", nil, nil, "", "it broke"},
				{"panic", control, "boom", nil, nil, "panic", "kaboom"},
				{"args of the wrong type", control, "echo", map[string]any{"value": "forty-two"}, nil, "TypeError", "echo"},
				{"unknown argument", control, "echo", map[string]any{"value": 1, "colour": "red"}, nil, "TypeError", "colour"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					err := tt.client.Call(ctx, tt.method, tt.args, nil)
					if err == nil {
						t.Fatalf("got nil error, want one saying %q", tt.text)
					}
					var de *dispatch.Error
					if !errors.As(err, &de) {
						t.Fatalf("got %T %v, want a *dispatch.Error from the server's reply", err, err)
					}
					if tt.is != nil && !errors.Is(err, tt.is) {
						t.Errorf("got %v, want errors.Is %v", err, tt.is)
					}
					if tt.class != "" && de.Class != tt.class {
						t.Errorf("remote class: got %q, want %q (error %v)", de.Class, tt.class, err)
					}
					if !strings.Contains(de.Message, tt.text) {
						t.Errorf("remote message: got %q, want it to say %q", de.Message, tt.text)
					}
				})
			}

			// The server serves on after all of that.
			if err := control.Call(ctx, "echo", echoArgs{Value: 7}, &got); err != nil || got.Value != 7 {
				t.Errorf("echo after the failures: got %+v, %v; want value 7", got, err)
			}
		})
	}
}
