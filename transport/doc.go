// Package transport connects rpcexec to a message bus: it parses transport
// URLs, declares oslo.messaging's topology (exchanges, queues, bindings),
// opens pollers on it and publishes.
//
// A Transport is safe for concurrent use. The pollers it returns belong to
// their caller (a listener loop or a client's reply loop), which closes them;
// Close on the Transport closes its connections and fails later calls.
package transport
