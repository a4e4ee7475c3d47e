// Command rabbitmq runs a server on RabbitMQ with what production wants
// around it: configuration from files (an OpenStack service's nova.conf
// too) and RPCEXEC_* variables, Prometheus metrics with health endpoints,
// and OpenTelemetry traces (printed as text here; use an OTLP exporter in
// production). It makes a few calls to itself, prints them and the
// spans, and stops; with -serve it serves until Ctrl-C.
//
//	go run ./examples/rabbitmq -url rabbit://guest:guest@127.0.0.1:5672/
//	go run ./examples/rabbitmq -config-file /etc/nova/nova.conf -metrics-addr 127.0.0.1:9464 -serve
package main
