package dispatch

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// trace is an interceptor that records its name before and after next.
func trace(name string, log *[]string) Interceptor {
	return func(ctx context.Context, r Request, info *Info, next Invoker) (any, error) {
		*log = append(*log, name+">")
		res, err := next(ctx, r)
		*log = append(*log, "<"+name)
		return res, err
	}
}

func TestChainOrder(t *testing.T) {
	var log []string
	d := New(named("e", Target{}, "ping"))
	ic := Chain(trace("a", &log), nil, trace("b", &log), trace("c", &log))
	res, err := d.Invoke(context.Background(), Request{Method: "ping"}, &Info{}, ic)
	if res != "e" || err != nil {
		t.Fatalf("got %v, %v; want the endpoint's answer", res, err)
	}
	if want := []string{"a>", "b>", "c>", "<c", "<b", "<a"}; !slices.Equal(log, want) {
		t.Errorf("got %q, want %q: the first outermost", log, want)
	}
	if Chain() != nil || Chain(nil, nil) != nil {
		t.Error("Chain of nothing: got an interceptor, want nil")
	}
}

func TestInterceptorChangesRequestAndAnswer(t *testing.T) {
	d := New(named("e", Target{}, "ping"))
	rename := func(ctx context.Context, r Request, _ *Info, next Invoker) (any, error) {
		r.Method = "ping"
		res, err := next(ctx, r)
		return res.(string) + "!", err
	}
	if res, err := d.Invoke(context.Background(), Request{Method: "other"}, &Info{}, rename); res != "e!" || err != nil {
		t.Errorf("got %v, %v; want e!", res, err)
	}
	deny := func(context.Context, Request, *Info, Invoker) (any, error) { return nil, errors.New("denied") }
	_, err := d.Invoke(context.Background(), Request{Method: "ping"}, &Info{}, deny)
	if e := AsError(err); e == nil || e.Module != GoModule || e.Message != "denied" {
		t.Errorf("got %#v, want an *Error in module go saying denied", err)
	}
}

func TestInterceptorPanicIsAnError(t *testing.T) {
	d := New(named("e", Target{}, "ping"))
	boom := func(context.Context, Request, *Info, Invoker) (any, error) { panic("boom") }
	_, err := d.Invoke(context.Background(), Request{Method: "ping"}, &Info{}, boom)
	if !errors.Is(err, ErrPanic) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("got %v, want an ErrPanic error saying boom", err)
	}
}

func TestHas(t *testing.T) {
	d := New(named("a", Target{}, "ping"), named("b", Target{Namespace: "x"}, "stop"))
	for method, want := range map[string]bool{"ping": true, "stop": true, "nope": false, "": false} {
		if got := d.Has(method); got != want {
			t.Errorf("Has(%q): got %v, want %v", method, got, want)
		}
	}
}
