// Package bench measures rpcexec: the workloads and measurements shared by
// the Go benchmarks in this package and by cmd/loadgen, so both report the
// same figures the same way.
//
// A Workload says where (the embedded bus or RabbitMQ), which strategy (an
// executor, or a reference: Baseline, the transport's raw limit done by a
// bare program — on RabbitMQ bare amqp091-go consumers, or for calls the
// raw request/reply; BaselineMultiple, the bare consumer acking with
// multiple; Oslo, oslo.messaging's own server and client run by
// /usr/bin/python3), and what traffic (casts, calls or fanout casts; a
// number of messages or a duration; the Work each message does). Describe
// says what a reference is. Run measures it in one of two ways:
//
//   - prefilled: the queue is filled first and the clock runs from the
//     servers' start to the last message handled — the server path alone;
//   - end to end: publishers run alongside the servers, each message taking
//     a slot of a bounded window until it is handled, so the latency is the
//     server's and not the age of an ever longer queue. Casts go out with
//     Client.CastAsync, each publisher keeping its share of the window
//     unconfirmed; calls wait for their replies.
//
// The Result has msgs/s, the latency from publish to handled (p50, p95,
// p99 from a lock-free Histogram), peak goroutines and heap (sampled), and
// allocations per message (runtime.MemStats deltas, the whole process's).
// bench/report renders results; bench/sim is the simulator's peers.
//
// Run owns everything it starts — servers, clients, publishers, consumers,
// its sampler goroutine, its transport, oslo.messaging's processes and, on
// RabbitMQ, its queues — and stops and removes it before it returns, also
// when its context ends. The queues are also recorded process-wide, so
// that a program that must exit at once deletes them (SweepQueues).
package bench
