package dispatch

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Sentinels for errors.Is. NoSuchMethod and UnsupportedVersion also match an
// *Error decoded from a reply, by its oslo class and module (see Error.Is).
var (
	ErrNoSuchMethod       = errors.New("dispatch: no such method")
	ErrUnsupportedVersion = errors.New("dispatch: unsupported version")
	ErrMalformedVersion   = errors.New("dispatch: malformed version")
	ErrBadArguments       = errors.New("dispatch: bad arguments")
	ErrPanic              = errors.New("dispatch: endpoint panicked")
)

// Module and class names put on the wire. A module neither "builtins" nor in
// a Python client's allowed_remote_exmods is shown there as
// oslo_messaging.RemoteError(class, message, traceback), the honest outcome
// for a failure that has no Python class; GoModule is such a module.
const (
	DispatcherModule = "oslo_messaging.rpc.dispatcher"
	BuiltinsModule   = "builtins"
	GoModule         = "go"
)

// Error is an RPC failure as oslo.messaging serialises it: the Python class
// and module a client rebuilds (or shows in a RemoteError), the message, the
// exception's args and kwargs, and the traceback lines. An endpoint returns
// one to choose the class itself, e.g. nova.exception InstanceNotFound. The
// wire layer sends nil Args, Kwargs and Traceback as [], {} and [], since a
// Python client fails on null there.
type Error struct {
	Class, Module, Message string
	Args                   []any
	Kwargs                 map[string]any
	Traceback              []string
	cause                  error
}

// Error returns "Class: Message", as a Python traceback ends.
func (e *Error) Error() string {
	if e.Class == "" {
		return e.Message
	}
	return e.Class + ": " + e.Message
}

// Unwrap returns the Go error this failure was made from, if any.
func (e *Error) Unwrap() error { return e.cause }

// Is matches the dispatcher sentinels by class and module, so that errors.Is
// works on failures decoded from a reply as well as on local ones.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNoSuchMethod:
		return e.Module == DispatcherModule && e.Class == "NoSuchMethod"
	case ErrUnsupportedVersion:
		return e.Module == DispatcherModule && e.Class == "UnsupportedVersion"
	}
	return false
}

// newError builds a failure whose args are [message], as for a Python
// exception raised with a single message.
func newError(module, class, msg string, cause error) *Error {
	return &Error{Class: class, Module: module, Message: msg, Args: []any{msg}, cause: cause}
}

// NewNoSuchMethod is oslo's NoSuchMethod: compatible endpoints exist but none
// exposes method.
func NewNoSuchMethod(method string) *Error {
	return newError(DispatcherModule, "NoSuchMethod", "Endpoint does not support RPC method "+method, nil)
}

// NewUnsupportedVersion is oslo's UnsupportedVersion: no endpoint in the
// namespace serves version. An empty method is left out of the message, as
// oslo does.
func NewUnsupportedVersion(version, method string) *Error {
	msg := "Endpoint does not support RPC version " + version
	if method != "" {
		msg += ". Attempted method: " + method
	}
	return newError(DispatcherModule, "UnsupportedVersion", msg, nil)
}

// AsError converts err for the reply path. An *Error in err's chain is
// sent as it is (wrapping it adds Go-side context only, and stays reachable
// through Unwrap). Any other error becomes class "<pkg>.<Type>" (e.g.
// "fs.PathError", "errors.errorString") in GoModule. AsError(nil) is nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if e == nil { // the typed-nil pitfall; err.Error() would panic
			return newError(GoModule, "dispatch.Error", "nil *dispatch.Error returned as a non-nil error", nil)
		}
		if e == err {
			return e
		}
		wrapped := *e
		wrapped.cause = err
		return &wrapped
	}
	class := strings.TrimPrefix(reflect.TypeOf(err).String(), "*")
	return newError(GoModule, class, err.Error(), err)
}

// panicError turns a recovered panic value into a failure of class "panic"
// in GoModule carrying the Go stack as its traceback.
func panicError(method string, v any, stack []byte) *Error {
	cause := fmt.Errorf("%w: %s: %v", ErrPanic, method, v)
	if err, ok := v.(error); ok {
		cause = fmt.Errorf("%w: %s: %w", ErrPanic, method, err)
	}
	e := newError(GoModule, "panic", fmt.Sprint(v), cause)
	e.Traceback = strings.Split(strings.TrimRight(string(stack), "\n"), "\n")
	return e
}
