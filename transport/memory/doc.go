// Package memory is rpcexec's embedded message bus, the default transport:
// everything runs in one process with no broker. It holds the bus (bus.go,
// exchange.go, queue.go, publish.go), its Poller (poller.go, settle.go) and
// its transport.Transport with the registry of named buses that memory://
// URLs address (transport.go).
//
// The bus is a small RabbitMQ, so a transport declares oslo.messaging's
// topology on it exactly as on a broker: topic and fanout exchanges, the
// default exchange "" that routes to the queue named by the routing key,
// bounded queues with auto-delete and a dead-letter exchange, per-message
// expiration and mandatory publishing. A Poller consumes one or more queues
// with a prefetch bound and implements poller.Poller, acks, requeues and
// rejects included.
//
// # What it owns
//
// A Bus owns its exchanges, queues and the messages in them. A Poller owns
// the messages it delivered until they are settled or it is closed, when
// they return to their queues. Published bodies are copied; delivered
// bodies and headers are shared between deliveries and fanout copies and
// must not be modified.
//
// # Concurrency
//
// A Bus is safe for concurrent use. A Poller is driven by one goroutine, the
// listener loop, as package poller requires; Bus methods (publishing,
// declaring, deleting a queue it consumes) may run meanwhile. Each queue has
// its own mutex: a publish appends under it, a Poll takes its whole batch
// under it, and a Poll waiting for messages is woken through a channel when
// one of its queues stops being empty, never by polling.
//
// # Stopping
//
// The bus starts no goroutines and has nothing to stop: it is garbage once
// unreferenced. Closing a Poller requeues what it holds unsettled, and
// deletes the auto-delete queues it was the last consumer of; a Poll blocked
// waiting returns when its context is done.
package memory
