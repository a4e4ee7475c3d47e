package rabbit

// # Consuming
//
// A Poller consumes from RabbitMQ for one listener loop: it implements
// poller.Poller and heartbeat.Checker over amqp091-go, with the behaviour
// of oslo.messaging's RabbitMQ driver on the consuming side. This file is
// its documentation.
//
// A Poller owns one connection and one channel of its own (publishing is
// done on the pool's connections), one consumer per queue that the
// declarer returns, and one forwarding goroutine per consumer. Together they
// are a session, and a lost connection throws the whole session away. While
// reconnecting, the Poller also owns at most one goroutine that is making a
// connection attempt.
//
// # Data path
//
// amqp091 gives each consumer its own Go channel. Each forwarder moves its
// consumer's deliveries, trimmed to what a poller.Message needs, into one
// buffered channel for the session, so Poll has a single channel to wait on:
// it waits (at most its timeout) for the first delivery, then takes whatever
// else is ready without waiting. Merging like this is fair because the
// prefetch applies to each consumer (basic.qos with global=false, as
// oslo.messaging sets it and as quorum queues require). A busy queue has at
// most Prefetch deliveries in flight at a time, so it cannot crowd the
// others out of the merged channel, which keeps the order in which the
// broker interleaved them. So a server that
// consumes <topic>, <topic>.<server> and its fanout queue can hold up to 3 ×
// Prefetch unsettled deliveries, as with oslo.messaging. The listener's own
// prefetch bounds how many of them are being handled at once.
//
// # Settling
//
// Every message carries the Generation of its session. Settle skips
// settlements from an earlier generation: the broker requeued those
// messages when their channel went, and a tag from the old channel would
// mean a different message (or none) on the new one. Settle coalesces the
// others into multiple=true frames only where that is correct: up to a tag
// T, and only when every tag up to T has been returned by Poll and is
// either settled already or settled in this batch with the same outcome
// (see ledger). Acks use basic.ack, requeues use basic.nack with
// requeue=true, and rejects use basic.reject, or basic.nack with
// requeue=false for a run. RabbitMQ dead-letters rejected messages when the
// queue has a dead-letter exchange.
//
// # Recovery
//
// amqp091-go does not recover lost connections by default. Its
// Config.Recovery option is experimental and off unless set. The connector
// must leave it off: recovery here is written by hand, so that a new channel
// gets a new generation, the declarer declares oslo.messaging's topology
// again, and retries follow the transport's schedule (RetryDelay,
// MaxRetries) across its hosts.
//
// The Poller notices a lost session (the connection or the channel closed,
// the broker cancelled a consumer, nothing arrived for too long, or a
// consumed queue vanished without its consumer being cancelled, which the
// session's verify finds within a check interval: see verify.go) in two
// places. Poll notices at once, because the end of a delivery channel
// wakes it. CheckHeartbeat notices at its next call, and is the one that
// notices silence. The session is then closed and the ledger cleared, and
// attempt 1 is due after RetryDelay(1). An attempt is connect → channel →
// basic.qos → declare → basic.consume on each queue. It runs on its own
// goroutine, so a broker that accepts a connection and then says nothing
// slows down the attempt, never the loop: Poll starts an attempt when one
// is due, waits for it at most until its own timeout, and otherwise returns
// an empty batch. Each failure is logged (Warn) with the attempt number, the
// next delay and the cause. A recovery is logged (Info) with the number of
// attempts it took. After MaxRetries failures in a row (when MaxRetries >
// 0), Poll and CheckHeartbeat return ErrGaveUp wrapping the last cause.
//
// # A silent broker
//
// When the bytes stop but the TCP connection stays up (a dead router, a
// frozen broker), nothing fails on its own. The connection's socket notes
// when it last read anything (link.go), and CheckHeartbeat, which the
// listener calls every threshold/rate/2, throws away a connection that has
// heard nothing for Silence: the threshold less one check interval. The
// dialer asks the broker for a heartbeat interval H equal to the threshold,
// and a healthy RabbitMQ sends something at least every H/2, well within
// Silence, so a live connection is never taken for dead; a silent one is
// found within the threshold. amqp091's own read deadline (1.5 × H after
// the last frame) is the backstop, and a Poll in progress notices that at
// once. This needs heartbeats: with H = 0 an idle connection is silent and
// the check is off.
//
// # Concurrency
//
// A Poller is driven by one goroutine, the listener loop. Poll, Settle,
// CheckHeartbeat and Close must not be called concurrently. The forwarders
// and the attempt goroutine touch only their session or attempt, and hand
// over through channels.
//
// # Stopping
//
// Close ends the context of a reconnect attempt under way and waits for it.
// It then closes the connection with connection.close, bounded by 2 s. The
// broker thereby closes the channel, cancels the consumers and requeues
// every unsettled delivery. Finally Close waits for the forwarders.
// amqp091's reader and heartbeater goroutines end with the socket. Close is
// idempotent. After it, the other methods return poller.ErrClosed.
