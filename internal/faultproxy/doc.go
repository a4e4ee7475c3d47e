// Package faultproxy is a TCP proxy for tests that stands between a client
// and a real broker and can cut or silence the connections through it.
//
// A Proxy owns one accept goroutine and two copy goroutines per connection;
// Close stops them all and waits for them.
package faultproxy
