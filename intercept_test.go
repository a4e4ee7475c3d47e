package rpcexec_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
)

// TestInterceptors: server interceptors run around dispatch in order with
// the request's info; client interceptors run around calls and casts and
// what they put in the caller context reaches the server.
func TestInterceptors(t *testing.T) {
	cfg := testConfig(t, "pool")
	var mu sync.Mutex
	var seen []string
	record := func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
	ep := dispatch.NewEndpoint(dispatch.Target{})
	casts := make(chan string, 1)
	dispatch.Handle(ep, "whoami", func(ctx context.Context, _ struct{}) (string, error) {
		return dispatch.FromContext(ctx)["tag"].(string), nil
	})
	dispatch.Handle(ep, "note", func(ctx context.Context, _ struct{}) (any, error) {
		casts <- dispatch.FromContext(ctx)["tag"].(string)
		return nil, nil
	})
	outer := func(ctx context.Context, r dispatch.Request, info *dispatch.Info, next dispatch.Invoker) (any, error) {
		if info.Queue == "" || info.Received.IsZero() || info.Topic != "test" || info.Server != "s1" {
			t.Errorf("info: got %+v, want the target, the queue and the time received", info)
		}
		record("outer " + r.Method + map[bool]string{true: " call", false: " cast"}[info.Call] +
			map[bool]string{true: " registered", false: ""}[info.Registered])
		return next(ctx, r)
	}
	inner := func(ctx context.Context, r dispatch.Request, _ *dispatch.Info, next dispatch.Invoker) (any, error) {
		record("inner " + r.Method)
		if r.Method == "secret" {
			return nil, &dispatch.Error{Class: "Forbidden", Module: "auth", Message: "no"}
		}
		return next(ctx, r)
	}
	srv, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "test", Server: "s1"}, dispatch.New(ep),
		rpcexec.WithInterceptors(outer), rpcexec.WithInterceptors(inner))
	if err != nil {
		t.Fatal(err)
	}
	if srv.Ready() {
		t.Error("Ready before Start: got true, want false")
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !srv.Ready() {
		t.Error("Ready once started on the embedded bus: got false, want true")
	}

	tag := func(ctx context.Context, call *rpcexec.ClientCall, next rpcexec.ClientInvoker) error {
		record("client " + call.Method + " " + call.Target.Exchange)
		cc := dispatch.CallerContext{"tag": "from-" + call.Method}
		return next(dispatch.NewContext(ctx, cc), call)
	}
	client, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "test"}, rpcexec.WithClientInterceptors(tag))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got string
	if err := client.Prepare(rpcexec.Timeout(5*time.Second)).Call(ctx, "whoami", nil, &got); err != nil || got != "from-whoami" {
		t.Errorf("whoami: got %q, %v; want from-whoami", got, err)
	}
	if err := client.Cast(ctx, "note", nil); err != nil {
		t.Fatal(err)
	}
	if got := <-casts; got != "from-note" {
		t.Errorf("note: got %q, want from-note", got)
	}
	err = client.Call(ctx, "secret", nil, nil)
	var de *dispatch.Error
	if !errors.As(err, &de) || de.Class != "Forbidden" {
		t.Errorf("secret: got %v, want the interceptor's Forbidden", err)
	}
	stop, cancelStop := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelStop()
	if err := srv.Stop(stop); err != nil {
		t.Fatal(err)
	}
	if srv.Ready() {
		t.Error("Ready after Stop: got true, want false")
	}
	want := []string{
		"client whoami openstack", "outer whoami call registered", "inner whoami",
		"client note openstack", "outer note cast registered", "inner note",
		"client secret openstack", "outer secret call", "inner secret",
	}
	if !slices.Equal(seen, want) {
		t.Errorf("got\n%q\nwant\n%q", seen, want)
	}
	st := srv.Stats()
	if st.Received != 3 || st.Requests.Dispatched != 3 || st.Requests.Failed != 1 {
		t.Errorf("stats: got %+v, want 3 received, 3 dispatched, 1 failed", st)
	}
}
