// Package request is the server's request path, one message at a time:
// decode → validate → dedup → caller context → call monitor → dispatch →
// reply. It is the one place that decides what becomes of a request: which
// outcome the listener loop applies (ack, requeue, reject), when a
// redelivered copy is dropped, when a caller gets a failure reply instead
// of a timeout, how long a reply may be retried.
//
// What it owns: Handler (handler.go), the validation of what a sender
// controls (validate.go), Dedup with its at-least-once rules
// (dedup.go), and replies with their deadlines (answer.go, reply.go). It
// knows oslo's wire format and the dispatcher, but not AMQP, pollers'
// internals or executors.
//
// # Concurrency
//
// A Handler is called by many tasks at once, one message each; Dedup and
// the reply queues it remembers are safe for that. A task never settles a
// message: it returns an outcome to the loop. A copy of a message whose
// original is running waits for it inside its task, so a task may wait,
// but only for another running task, never for the loop.
//
// # Stopping
//
// Handle ends when its context ends (the server closes, or its graceful
// stop runs out of time): waits, reply retries and call-monitor beats all
// take that context. HandleDeferred, which the listener uses, hands a call's
// reply to the transport (transport.AsyncPublisher) and returns: the
// outcome follows when the broker confirms the reply, so the request is
// still acknowledged only after its reply is confirmed or failed for good.
// It starts one goroutine per monitored call, stopped before the call's
// final reply, and one per reply whose first attempt failed (a reply queue
// not there yet, a lost connection), which retries it until the caller's
// deadline or the context's end and then reports the outcome. Nothing else
// runs in the background.
package request
