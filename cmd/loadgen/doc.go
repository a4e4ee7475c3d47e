// Command loadgen measures rpcexec's executors side by side, and plays
// oslo.messaging's simulator peers.
//
//	go run ./cmd/loadgen                      # every executor on the embedded bus
//	go run ./cmd/loadgen --prefill --baseline # the server path alone, against the raw limit
//	go run ./cmd/loadgen rpc-server --url rabbit://…
//	go run ./cmd/loadgen rpc-client --url rabbit://… --method echo --args '{"value": 1}'
//
// Exit status: 0 done, 1 failed, 2 bad usage, 130 interrupted (what was
// measured until then is printed), 143 terminated.
//
// Ctrl-C stops the run under way and prints what it measured; a second
// Ctrl-C, or SIGTERM, exits at once, deleting the queues the runs declared
// on the way out (within sweepTimeout).
package main
