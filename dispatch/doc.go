// Package dispatch routes a decoded RPC request to an endpoint method the way
// oslo.messaging's RPCDispatcher does, and defines the RPC errors that go back
// on the wire. It knows nothing of AMQP or of the JSON envelope: the wire
// layer decodes a message into a Request and encodes the result or the
// *Error that Dispatch returns.
//
// # Endpoints and methods
//
// An Endpoint serves one Target (namespace, version). Methods are registered
// with typed arguments:
//
//	e := dispatch.NewEndpoint(dispatch.Target{Namespace: "control", Version: "2.5"})
//	dispatch.Handle(e, "echo", func(ctx context.Context, a EchoArgs) (EchoReply, error) { ... })
//
// The request's args object is decoded into A with encoding/json; a struct A
// rejects unknown top-level keys with a TypeError, as Python does for
// unexpected keyword arguments. Names beginning with "_" are never exposed.
// Registration mistakes (empty, "_"-prefixed or duplicate names, a malformed
// target version) panic at start-up, the one place this package panics.
//
// # Matching
//
// Endpoints are tried in the order given to New. An endpoint is compatible
// when its namespace equals the request's ("" is oslo's null namespace) and
// its version serves the requested one: same major, and the requested minor,
// then revision, not greater (oslo's version_is_compatible; no version means
// "1.0"; "2" is malformed, as it is for oslo). The first compatible endpoint
// that has the method runs it. If some were compatible but none had the
// method the error is NoSuchMethod, otherwise UnsupportedVersion.
//
// # Errors
//
// Every failure is an *Error carrying the oslo class and module names a
// Python client rebuilds the exception from. An endpoint returns an *Error to
// pick them (say nova.exception InstanceNotFound); any other error, and a
// recovered panic, goes out in module "go", which a Python client shows as
// oslo_messaging.RemoteError with the Go type name (or "panic") as its class.
//
// # Concurrency
//
// Register methods before passing endpoints to New. After that a Dispatcher
// and its endpoints are read-only and Dispatch is safe for concurrent use.
// The package starts no goroutines and has nothing to stop.
package dispatch
