// Package transport connects rpcexec to a message bus: it parses transport
// URLs, declares oslo.messaging's topology (exchanges, queues, bindings),
// opens pollers on it and publishes.
//
// A Transport is safe for concurrent use. The pollers it returns belong to
// their caller (a listener loop or a client's reply loop), which closes them;
// Close on the Transport closes its connections and fails later calls.
//
// The RabbitMQ transport (Rabbit) declares what oslo.messaging's rabbit
// driver declares, so rpcexec servers and oslo services share queues. It
// publishes over a bounded pool of connections with publisher confirms;
// each poller (poller/amqp) has a connection of its own. Its goroutines
// are amqp091's, two per connection, and end when the connections close.
package transport
