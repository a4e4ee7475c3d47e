package transport

// Stats are a transport's connection counters since it was opened, for
// the transports that keep them (RabbitMQ; the embedded bus has no
// connections to lose).
type Stats struct {
	// ConnectionsLost counts consuming connections lost (each then
	// reconnects): servers' and clients' reply queues alike.
	ConnectionsLost int64
	// Reconnects counts consuming connections made again after a loss,
	// with their consumers declared again.
	Reconnects int64
	// PublishRetries counts publish attempts retried through an outage.
	PublishRetries int64
}
