// Package wire encodes and decodes oslo.messaging's RabbitMQ message format:
// the "oslo.version" 2.0 envelope around a JSON request or reply.
//
// Everything here is a pure function of its input: safe for concurrent use,
// no goroutines, nothing to stop. Decoding is strict about the envelope and
// liberal about unknown fields, as oslo.messaging is.
package wire
