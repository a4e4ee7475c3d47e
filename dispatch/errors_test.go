package dispatch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"testing"
)

func TestAsError(t *testing.T) {
	notFound := &Error{Class: "InstanceNotFound", Module: "nova.exception", Message: "Instance 42 could not be found.",
		Args: []any{"Instance 42 could not be found."}}
	_, pathErr := os.Open("/nonexistent/rpcexec")
	sentinel := errors.New("out of stock")
	var typedNil *Error
	tests := []struct {
		name                  string
		in                    error
		class, module, msg    string
		wantSame, wantInChain bool
	}{
		{"an *Error is sent as it is", notFound, "InstanceNotFound", "nova.exception", "Instance 42 could not be found.", true, true},
		{"a wrapped *Error keeps its class and message", fmt.Errorf("get: %w", notFound),
			"InstanceNotFound", "nova.exception", "Instance 42 could not be found.", false, true},
		{"errors.New", sentinel, "errors.errorString", GoModule, "out of stock", false, true},
		{"typed error", pathErr, "fs.PathError", GoModule, pathErr.Error(), false, true},
		{"wrapped plain error", fmt.Errorf("reserve: %w", sentinel), "fmt.wrapError", GoModule, "reserve: out of stock", false, true},
		{"typed nil *Error", typedNil, "dispatch.Error", GoModule, "nil *dispatch.Error returned as a non-nil error", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AsError(tt.in)
			if got.Class != tt.class || got.Module != tt.module || got.Message != tt.msg {
				t.Errorf("AsError(%v) = %s.%s %q, want %s.%s %q", tt.in, got.Module, got.Class, got.Message, tt.module, tt.class, tt.msg)
			}
			if (got == tt.in) != tt.wantSame {
				t.Errorf("AsError(%v) returned the same value: %v, want %v", tt.in, got == tt.in, tt.wantSame)
			}
			if !slices.Equal(got.Args, []any{tt.msg}) {
				t.Errorf("AsError(%v).Args = %q, want [%q]", tt.in, got.Args, tt.msg)
			}
			if inChain := errors.Is(got, tt.in); inChain != tt.wantInChain {
				t.Errorf("errors.Is(AsError(err), err) = %v, want %v", inChain, tt.wantInChain)
			}
		})
	}
	if AsError(nil) != nil {
		t.Error("AsError(nil) is not nil")
	}
	if !errors.Is(AsError(fmt.Errorf("open: %w", pathErr)), fs.ErrNotExist) {
		t.Error("AsError lost fs.ErrNotExist from the chain")
	}
}

// TestErrorIsOnDecodedFailures checks the sentinels against *Error values as
// a client decodes them from a reply: class and module only, no cause.
func TestErrorIsOnDecodedFailures(t *testing.T) {
	tests := []struct {
		name                  string
		err                   *Error
		noSuchMethod, version bool
	}{
		{"NoSuchMethod", &Error{Class: "NoSuchMethod", Module: DispatcherModule}, true, false},
		{"UnsupportedVersion", &Error{Class: "UnsupportedVersion", Module: DispatcherModule}, false, true},
		{"same class, other module", &Error{Class: "NoSuchMethod", Module: "mine"}, false, false},
		{"other class", &Error{Class: "ValueError", Module: BuiltinsModule}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error = tt.err
			if got := errors.Is(err, ErrNoSuchMethod); got != tt.noSuchMethod {
				t.Errorf("errors.Is(%v, ErrNoSuchMethod) = %v, want %v", err, got, tt.noSuchMethod)
			}
			if got := errors.Is(err, ErrUnsupportedVersion); got != tt.version {
				t.Errorf("errors.Is(%v, ErrUnsupportedVersion) = %v, want %v", err, got, tt.version)
			}
		})
	}
}

func TestErrorConstructors(t *testing.T) {
	tests := []struct {
		name             string
		err              *Error
		class, msg, text string
	}{
		{"NoSuchMethod", NewNoSuchMethod("echo"), "NoSuchMethod", "Endpoint does not support RPC method echo",
			"NoSuchMethod: Endpoint does not support RPC method echo"},
		{"UnsupportedVersion", NewUnsupportedVersion("3.0", "echo"), "UnsupportedVersion",
			"Endpoint does not support RPC version 3.0. Attempted method: echo",
			"UnsupportedVersion: Endpoint does not support RPC version 3.0. Attempted method: echo"},
		{"UnsupportedVersion without method, as oslo", NewUnsupportedVersion("3.0", ""), "UnsupportedVersion",
			"Endpoint does not support RPC version 3.0", "UnsupportedVersion: Endpoint does not support RPC version 3.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.err
			if e.Module != DispatcherModule || e.Class != tt.class || e.Message != tt.msg || !slices.Equal(e.Args, []any{tt.msg}) {
				t.Errorf("got %s.%s %q args %q, want %s.%s %q args [message]", e.Module, e.Class, e.Message, e.Args,
					DispatcherModule, tt.class, tt.msg)
			}
			if e.Error() != tt.text {
				t.Errorf("Error() = %q, want %q", e.Error(), tt.text)
			}
		})
	}
	if got := (&Error{Message: "bare"}).Error(); got != "bare" {
		t.Errorf("Error() without class = %q, want %q", got, "bare")
	}
}
