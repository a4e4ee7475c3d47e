// Package executor decides where the listener loop's tasks run: inline in the
// loop (blocking), on a goroutine each (goroutine, eventlet's spawn_n), or on
// an ants worker pool of executor_thread_pool_size (pool). Swapping the
// strategy changes nothing else in the data path; New picks one by name.
//
// # Concurrency
//
// Submit and Shutdown are safe to call from any goroutine. Submit waits for
// capacity when the strategy is bounded, so that a burst of messages cannot
// grow the process without limit: MaxInFlight bounds the goroutine strategy
// (the listener sets it to the prefetch) and PoolSize the pool. A Submit
// waiting for capacity returns ctx.Err() when ctx ends and ErrClosed when
// Shutdown is called, so a stopping listener never waits for a slot.
//
// Tasks must not panic. The listener's do not: dispatch turns an endpoint's
// panic into a failure reply, and the listener's task recovers any other,
// logs it and rejects the message. If a task panics anyway, blocking
// re-panics in the caller, goroutine crashes the process like any
// goroutine, and pool drops it after freeing its slot (see NewPool).
//
// # Stopping
//
// Shutdown stops admission at once and then waits, bounded by its context,
// for every accepted task to return: a task accepted is a message the
// listener will settle, so it is never abandoned half-way. Shutdown is
// idempotent and a later call waits again, so a caller whose deadline passed
// can retry. Once Shutdown has returned nil, no goroutine of the executor is
// left running task code, and the pool has stopped its ants workers.
package executor
