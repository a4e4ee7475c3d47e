// Package rpcexec is oslo.messaging's RPC server model in Go: a Server
// consumes a topic's queues and answers requests with typed endpoint
// methods, a Client calls and casts, and both speak oslo.messaging's wire
// format over RabbitMQ (rabbit://, amqp://, amqps://) or over an embedded
// bus (memory://, the default), so a Go service can serve or call an
// OpenStack topic.
//
// This package is the front door and owns no mechanism. Config carries
// oslo's option names and defaults (LoadConfig reads YAML, JSON and
// RPCEXEC_* variables). NewServer and NewClient wire the parts:
//
//	transport (transport/rabbit, transport/memory)
//	  → poller: one consumer per server, Poll(timeout 1 s, room)
//	  → listener: one goroutine settles acks, checks the connection's
//	    heartbeat, polls within the in-flight and byte budgets, hands over
//	  → executor: blocking | goroutine | pool, chosen by Config.Executor
//	  → request: decode → validate → dedup → caller context → call
//	    monitor → dispatch (package dispatch) → reply
//	  → the outcome goes back to the listener, which acks: after the
//	    handler and, for a call, its reply (at-least-once), or before
//	    (ack_policy before, oslo's at-most-once).
//
// A Server starts one goroutine of its own (it waits for the listener to
// stop and then shuts the rest down); Stop is bounded by its context and
// Close by CloseTimeout, a silent broker included. Done is closed once
// everything the server owns has stopped.
//
// See the package examples, README.md for operating notes and figures, and
// ../shared/DESIGN.md for the design this follows.
package rpcexec
