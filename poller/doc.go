// Package poller defines how the listener loop receives messages: the Poller
// interface and the Message it returns.
//
// A Poller is driven by exactly one goroutine, the listener loop. Poll, Settle,
// Close (and a heartbeat check, when the Poller has one) are never called concurrently with each other. Tasks running on
// an executor never touch a Poller: they report an Outcome back to the loop,
// which settles it. This mirrors AMQP, where acks belong to the channel that
// received the delivery and amqp091-go channels are not made for acks from many
// goroutines.
//
// Implementations live in sub-packages: poller/memory (the embedded bus, the
// default) and poller/amqp (RabbitMQ). Both pass the suite in poller/pollertest.
package poller
