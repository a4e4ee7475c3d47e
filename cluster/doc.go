// Package cluster holds rpcexec's tests on a three-node RabbitMQ cluster,
// where OpenStack services run: quorum queues declared as oslo.messaging
// declares them, running servers and clients moving between nodes, a
// whole cluster restarted, poison messages bounded by the broker, and
// several server processes on one topic. It has no code of its own: the
// tests are the package.
//
// The tests share one cluster (internal/clustertest), started for the
// test binary and removed after it. Without one they skip, saying how to
// run them; RPCEXEC_REQUIRE_CLUSTER=1 (CI) makes that a failure. As root,
// with the Debian packages rabbitmq-server and python3-oslo.messaging:
//
//	RPCEXEC_CLUSTER=1 go test -race ./cluster/
//
// or, keeping a cluster across runs:
//
//	scripts/rabbit-cluster up /tmp/rpcexec-cluster
//	RPCEXEC_CLUSTER_ATTACH=/tmp/rpcexec-cluster go test -race ./cluster/
//
// # What runs where
//
// Tests that stop nodes run one at a time, before the others: two of them
// at once could take the majority of a quorum queue away. The others run
// in parallel afterwards (t.Parallel). Each test has topics of its own
// and deletes its queues; a test that stops a node starts it again. Quorum
// tests use the default control exchange "openstack", durable as a quorum
// deployment has it; tests of classic queues use exchanges of their own.
//
// Servers run in the test process, except where a process must die or be
// stopped by a signal (poison_test.go, servers_test.go): those are this
// test binary started again as a server (child_test.go), which serves
// record and crash; oslo.messaging peers are testdata/*.py, run with
// /usr/bin/python3.
//
// Everything a test starts it stops: goleak checks the test binary at the
// end, and child processes are killed if a test fails before stopping them.
package cluster
