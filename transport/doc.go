// Package transport is the contract between rpcexec and a message bus, and
// the one owner of oslo.messaging's topology. It holds no backend.
//
// What it owns: the Transport interface (listen on a server's queues or a
// reply queue, publish, close) and its addresses; the transport URL in
// oslo's form (multi-host, credentials redacted in every String and error);
// and the topology as data — which exchanges and queues an oslo server and
// caller declare, with which flags and arguments (ServerQueues,
// ReplyQueues). Each backend applies that data: transport/rabbit on
// RabbitMQ, transport/memory on the embedded bus; bench's bare baselines
// declare the same.
//
// A Transport is safe for concurrent use. The pollers it returns belong to
// their caller (a listener loop or a client's reply loop), which closes
// them; Close on the Transport closes its connections and fails later
// calls. This package starts no goroutines.
package transport
