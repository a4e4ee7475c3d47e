// Package rabbit is rpcexec's RabbitMQ backend, wire-compatible with
// oslo.messaging's rabbit driver: everything that speaks AMQP lives here.
//
// What it owns, by file:
//   - options.go, defaults.go: Options with oslo's names and defaults, their
//     validation, and the options a transport URL may carry.
//   - dial.go, tls.go, backoff.go: one connection attempt to the next host in
//     kombu_failover_strategy's order, the negotiated heartbeat, TLS, and the
//     reconnect schedule with jitter.
//   - declare.go, declare_error.go, declare_bare.go: applying transport's
//     topology data to a channel (also for bare programs, Declare), and
//     turning the broker's refusals into errors that name the option to
//     change.
//   - pubconn.go, pool.go, publish.go, exchanges.go: publishing. Each
//     connection has one confirm-mode channel carrying up to window
//     messages at once; its dispatcher attributes confirms and returns to
//     them (the rules are at pubConn). Publish waits for its message's
//     answer, PublishAsync hands it over; retries through outages, resends
//     of a channel's messages when the broker closed it over another one,
//     and a passive check of each exchange before it is first used on a
//     shared channel.
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
// ending with it), one forwarder per consumer, at most one reconnect
// attempt per Poller, one dispatcher per publishing connection (ending when
// amqp091 closes its channel) and one passive exchange check at a time per
// exchange first used, all waited for by Close.
//
// # Stopping
//
// Closing a Poller closes its connection, within closeTimeout, and waits for
// its goroutines; the broker requeues what it held unsettled. Close on
// Rabbit closes the publishing connections, in parallel, failing publishes
// in flight with transport.ErrClosed (PublishAsync's done receives the
// connection's loss), and waits for their dispatchers.
package rabbit
