// Package listener runs the loop between a Poller and an Executor: the
// oslo.messaging server's poll loop, with acknowledgement made safe.
//
// One goroutine, the loop, owns the Poller. Every turn it applies the
// outcomes of finished tasks (acks, requeues, rejects — nobody else does),
// runs the heartbeat check when due, polls a batch (waiting at most the poll
// timeout, 1 s by default) and hands each message to the executor. Tasks
// report their outcome back over a channel sized to the prefetch, so a task
// never blocks on reporting and the loop never holds more than prefetch
// messages in flight. A DeferredHandler reports later than its task ends
// (a call's reply awaiting the broker's confirm): its message stays in
// flight until then, and the executor is free meanwhile.
//
// Stop cancels a pending poll at once, requeues what was received and not
// started, then keeps settling until the running tasks finish or Stop's
// context ends; Close does the same without waiting. Either way the loop has
// exited and the Poller is closed when they return.
package listener
