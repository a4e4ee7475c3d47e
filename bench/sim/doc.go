// Package sim is the peer side of oslo.messaging's simulator
// (tools/simulator.py rpc-server and rpc-client) for rpcexec: a server
// endpoint with a few methods that make testing a deployment easy, and a
// client that sends one request or a paced stream of them and measures the
// round trips. cmd/loadgen puts flags on both.
//
// Serve owns the server it starts and stops it when its context ends;
// Send starts no goroutines.
package sim
