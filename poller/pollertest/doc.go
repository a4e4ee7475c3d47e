// Package pollertest is the contract every poller.Poller passes: the
// embedded bus now, RabbitMQ against a real broker later. It speaks to the
// transport only through a Harness, so the same tests run on both.
//
// Real brokers deliver asynchronously, so the tests wait for messages with
// Poll timeouts and never assume instant arrival or sleep to synchronise.
// Queue names are unique per test (the test name plus a random suffix),
// because a broker keeps state between runs.
package pollertest
