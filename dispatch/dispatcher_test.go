package dispatch

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// named returns an endpoint whose methods answer with the endpoint's name.
func named(name string, t Target, methods ...string) *Endpoint {
	e := NewEndpoint(t)
	for _, m := range methods {
		Handle(e, m, func(context.Context, struct{}) (string, error) { return name, nil })
	}
	return e
}

func TestDispatchRouting(t *testing.T) {
	d := New(
		named("base-1.3", Target{Version: "1.3"}, "ping", "old"),
		named("base-2.5", Target{Version: "2.5"}, "ping"),
		named("base-2.9", Target{Version: "2.9"}, "ping", "new"),
		named("control", Target{Namespace: "control", Version: "2.5.2"}, "ping", "stop"),
		named("default-1.0", Target{}, "ping", "legacy"),
	)
	tests := []struct {
		name    string
		req     Request
		want    string
		wantErr error
		wantMsg string
	}{
		{"missing version is 1.0", Request{Method: "ping"}, "base-1.3", nil, ""},
		{"first compatible endpoint wins", Request{Method: "ping", Version: "2.0"}, "base-2.5", nil, ""},
		{"skips endpoints with an older minor", Request{Method: "ping", Version: "2.7"}, "base-2.9", nil, ""},
		{"skips compatible endpoints without the method", Request{Method: "new", Version: "2.1"}, "base-2.9", nil, ""},
		{"later compatible endpoint has it", Request{Method: "legacy", Version: "1.0"}, "default-1.0", nil, ""},
		{"namespace must match", Request{Namespace: "control", Method: "ping", Version: "2.5.1"}, "control", nil, ""},
		{"null namespace does not reach a named one", Request{Method: "stop", Version: "2.5"}, "", ErrNoSuchMethod,
			"Endpoint does not support RPC method stop"},
		{"compatible but no method", Request{Method: "nope", Version: "2.2"}, "", ErrNoSuchMethod,
			"Endpoint does not support RPC method nope"},
		{"method only on an incompatible endpoint", Request{Method: "old", Version: "2.0"}, "", ErrNoSuchMethod,
			"Endpoint does not support RPC method old"},
		{"minor too new", Request{Method: "ping", Version: "2.10"}, "", ErrUnsupportedVersion,
			"Endpoint does not support RPC version 2.10. Attempted method: ping"},
		{"revision too new", Request{Namespace: "control", Method: "ping", Version: "2.5.3"}, "", ErrUnsupportedVersion,
			"Endpoint does not support RPC version 2.5.3. Attempted method: ping"},
		{"major absent", Request{Method: "ping", Version: "3.0"}, "", ErrUnsupportedVersion,
			"Endpoint does not support RPC version 3.0. Attempted method: ping"},
		{"unknown namespace", Request{Namespace: "other", Method: "ping"}, "", ErrUnsupportedVersion,
			"Endpoint does not support RPC version 1.0. Attempted method: ping"},
		{"unknown namespace before a malformed version, as oslo", Request{Namespace: "other", Method: "ping", Version: "x"}, "",
			ErrUnsupportedVersion, "Endpoint does not support RPC version x. Attempted method: ping"},
		{"private method never reachable", Request{Method: "_ping"}, "", ErrNoSuchMethod,
			"Endpoint does not support RPC method _ping"},
		{"empty method", Request{}, "", ErrNoSuchMethod, "Endpoint does not support RPC method "},
		{"malformed version", Request{Method: "ping", Version: "2"}, "", ErrMalformedVersion,
			`malformed RPC version "2" (want MAJOR.MINOR[.REVISION]). Attempted method: ping`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Dispatch(context.Background(), tt.req)
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Errorf("Dispatch(%+v) = %v, %v; want %q", tt.req, got, err, tt.want)
				}
				return
			}
			var e *Error
			if !errors.Is(err, tt.wantErr) || !errors.As(err, &e) {
				t.Fatalf("Dispatch(%+v) = %v, %v; want an *Error matching %v", tt.req, got, err, tt.wantErr)
			}
			if got != nil {
				t.Errorf("Dispatch(%+v) result = %v, want nil", tt.req, got)
			}
			if e.Message != tt.wantMsg || len(e.Args) != 1 || e.Args[0] != tt.wantMsg {
				t.Errorf("Dispatch(%+v): got message %q args %q, want %q for both", tt.req, e.Message, e.Args, tt.wantMsg)
			}
		})
	}
}

func TestDispatchNoEndpoints(t *testing.T) {
	_, err := New().Dispatch(context.Background(), Request{Method: "ping"})
	if !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("got %v, want ErrUnsupportedVersion", err)
	}
}

func TestDispatchPanic(t *testing.T) {
	e := NewEndpoint(Target{})
	Handle(e, "boom", func(context.Context, struct{}) (int, error) { panic("kaboom") })
	Handle(e, "index", func(context.Context, struct{}) (int, error) {
		var s []int
		return s[3], nil
	})
	tests := []struct {
		name, method, wantMsg string
		wantRuntime           bool
	}{
		{"panic with a string", "boom", "kaboom", false},
		{"runtime error", "index", "runtime error: index out of range [3] with length 0", true},
	}
	d := New(e)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Dispatch(context.Background(), Request{Method: tt.method})
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrPanic) {
				t.Fatalf("got %v, %v; want an *Error wrapping ErrPanic", got, err)
			}
			if e.Class != "panic" || e.Module != GoModule || e.Message != tt.wantMsg {
				t.Errorf("got %s.%s %q, want go.panic %q", e.Module, e.Class, e.Message, tt.wantMsg)
			}
			if tb := strings.Join(e.Traceback, "\n"); !strings.Contains(tb, "goroutine ") || !strings.Contains(tb, "dispatcher_test.go") {
				t.Errorf("got traceback %q, want the Go stack through the endpoint", e.Traceback)
			}
			var re interface{ RuntimeError() }
			if gotRuntime := errors.As(err, &re); gotRuntime != tt.wantRuntime {
				t.Errorf("got runtime.Error in chain %v, want %v", gotRuntime, tt.wantRuntime)
			}
		})
	}
}

func TestDispatchEndpointErrorAndContext(t *testing.T) {
	notFound := &Error{Class: "InstanceNotFound", Module: "nova.exception", Message: "Instance 42 could not be found.",
		Kwargs: map[string]any{"instance_id": "42"}}
	e := NewEndpoint(Target{})
	Handle(e, "get", func(ctx context.Context, a struct {
		ID string `json:"id"`
	}) (string, error) {
		if a.ID == "42" {
			return "", notFound
		}
		return FromContext(ctx).RequestID() + "/" + a.ID, nil
	})
	d := New(e)
	ctx := NewContext(context.Background(), CallerContext{"request_id": "req-1"})
	got, err := d.Dispatch(ctx, Request{Method: "get", Args: []byte(`{"id": "7"}`)})
	if err != nil || got != "req-1/7" {
		t.Errorf("got %v, %v; want %q", got, err, "req-1/7")
	}
	_, err = d.Dispatch(ctx, Request{Method: "get", Args: []byte(`{"id": "42"}`)})
	if err != notFound {
		t.Errorf("got error %#v, want the endpoint's *Error as returned", err)
	}
}

func TestNewPanicsOnNilEndpoint(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("New(nil) did not panic")
		}
	}()
	New(nil)
}

func TestCallerContext(t *testing.T) {
	cc := CallerContext{"request_id": "req-3d2f", "user_id": "u-1", "roles": []any{"admin"}}
	tests := []struct {
		name   string
		ctx    context.Context
		wantID string
		wantN  int
	}{
		{"round trip", NewContext(context.Background(), cc), "req-3d2f", 3},
		{"none in context", context.Background(), "", 0},
		{"nil context", nil, "", 0},
		{"request_id not a string", NewContext(context.Background(), CallerContext{"request_id": 7}), "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromContext(tt.ctx)
			if len(got) != tt.wantN || got.RequestID() != tt.wantID {
				t.Errorf("got %v with request id %q, want %d items and %q", got, got.RequestID(), tt.wantN, tt.wantID)
			}
		})
	}
}
