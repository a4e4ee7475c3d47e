// Package chaos is a compound-fault suite for rpcexec in the spirit of
// Jepsen: real server processes on a real RabbitMQ, faults injected between
// them and the broker, a history of everything that happened, and a
// checker that says which of rpcexec's promises the history breaks.
//
// # Processes
//
// Servers run as separate OS processes so that kill -9 is real: the test
// binary runs itself again with ServerEnv=1, and TestMain hands such a run
// to ServerMain before anything else. ServerMain builds an rpcexec.Server
// with the public API only (rpcexec.LoadConfig reading RPCEXEC_* variables,
// rpcexec.NewServer, dispatch.New of this package's Endpoint), reaches the
// broker through a faultproxy of its own that the test controls, serves
// until SIGTERM, then stops gracefully within CHAOS_STOP_BUDGET and records
// how long that took; its exit code says whether it kept the budget.
//
// # History
//
// Everything that happens is one line appended to one file: the servers'
// handlings (start, done, abort with the request's payload id and the
// process id), the clients' requests and outcomes, the processes' lives and
// the test's faults. The file is opened with O_APPEND and each line is one
// write(2), so lines from different processes never interleave, line order
// is the order in which they were written, and a line written before a
// SIGKILL survives it. The format is in history.go; Recorder appends and
// Reader reads as the file grows.
//
// # Checker
//
// Check reads a history and reports counts and violations; its rules are
// in its documentation. It is a pure function, tested on made-up histories.
//
// # Schedules
//
// The tests (package chaos_test) put it together. A cluster is one test's
// servers on a topic of its own (brokertest.Topic deletes its queues at
// the end), each process behind its own faultproxy, a client straight to
// the broker, and the history. Faults: cut (the proxy closes every
// connection), silence and resume (no bytes, connections stay up; the
// heartbeat threshold is 3 s), refuse and allow (reconnects fail), kill -9
// then a new process with the same name, SIGTERM then a new process, and
// cut-then-kill (cut while long requests run, let the broker deliver them
// again, kill -9, start a new process). Waits are on history lines,
// process exits and the servers' reported counters, with deadlines; the
// only fixed durations are how long a fault lasts.
//
// TestCutThenKill (each executor), TestStopWhileSilent and TestCompound
// (three servers, one per executor, every fault in turn under load) are
// the fixed schedule, about a minute with -race. TestRandom draws a
// schedule from a seed and runs on demand:
//
//	go test ./internal/chaos -run Random -chaos.duration=2m [-chaos.seed=N] [-chaos.servers=3] -v
//
// It prints its seed first. With -artifacts -outputdir DIR every test
// keeps its history and each server's log; TestCheckHistory checks a kept
// history again (-chaos.history=PATH).
//
// # Goroutines
//
// ServerMain owns its server and returns after stopping it. The package's
// types start no goroutines. The tests own the processes they start (one
// goroutine each waits for the process to exit), the proxies and the
// clients, and end them all before they return.
package chaos
