// Package rabbit is rpcexec's RabbitMQ backend, wire-compatible with
// oslo.messaging's rabbit driver: everything that speaks AMQP lives here.
//
// What it owns, by file:
//   - options.go, defaults.go: Options with oslo's names and defaults, their
//     validation, and the options a transport URL may carry.
//   - dial.go, tls.go, backoff.go: one connection attempt to the next host in
//     kombu_failover_strategy's order, the negotiated heartbeat, TLS, and the
//     reconnect schedule with jitter.
//   - declare.go, declare_error.go: applying transport's topology data to a
//     channel, and turning the broker's refusals into errors that name the
//     option to change.
//   - pool.go, publish.go: publishing over a bounded pool of connections
//     with publisher confirms, mandatory routing and retries.
//   - listen.go: a server's or a caller's consumer (Listen, ListenReplies).
//   - poller*.go, session.go, reconnect.go, ledger.go, settle.go: the
//     consuming side, documented in poller_doc.go — one connection per
//     listener, rebuilt by hand after a loss, with acks coalesced where that
//     is correct.
//
// # Concurrency
//
// Rabbit is safe for concurrent use. A Poller is driven by one goroutine,
// the listener loop. The goroutines here are amqp091's (two per connection,
// ending with it), one forwarder per consumer, and at most one reconnect
// attempt per Poller.
//
// # Stopping
//
// Closing a Poller closes its connection, within closeTimeout, and waits for
// its goroutines; the broker requeues what it held unsettled. Close on
// Rabbit closes the publishing connections, in parallel, failing publishes
// in flight with transport.ErrClosed.
package rabbit
