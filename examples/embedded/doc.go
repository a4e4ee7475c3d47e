// Command embedded runs an RPC server and a client in one process on
// rpcexec's embedded bus: no broker, no set-up.
//
//	go run ./examples/embedded
package main
