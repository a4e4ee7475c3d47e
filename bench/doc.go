// Package bench measures rpcexec: the workloads and measurements shared by
// the Go benchmarks in this package and by cmd/loadgen, so both report the
// same figures the same way.
//
// Run owns everything it starts (server, client, publishers) and stops it
// before it returns.
package bench
