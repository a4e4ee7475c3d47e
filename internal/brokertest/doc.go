// Package brokertest finds the RabbitMQ broker that integration tests run
// against, and skips or fails a test when there is none.
package brokertest
