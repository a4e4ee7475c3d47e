// Package clustertest gives tests a real three-node RabbitMQ cluster on this
// machine, shared by all tests of one test binary, with helpers to stop, kill
// and restart its nodes.
//
// The nodes are made by scripts/rabbit-cluster, which owns how a node is
// started, stopped and joined; this package only drives it (up, down,
// stop-node, kill-node, start-node, start-all, wait-node, running, ctl,
// own) and reads the URLs the script records in DIR/cluster.env. There is
// one copy of that logic, in bash, usable by people and by tests alike.
//
// # Environment
//
//   - RPCEXEC_CLUSTER=1: the first [Get] starts a cluster for this test
//     binary in RPCEXEC_CLUSTER_DIR (default /tmp/rpcexec-clustertest).
//     Needs root and the Debian rabbitmq-server package; takes 30-60 s on a
//     busy 2-core machine (three nodes boot in parallel, then two join).
//   - RPCEXEC_CLUSTER_ATTACH=DIR: use the cluster that
//     `scripts/rabbit-cluster up DIR` started; it is left running.
//   - RPCEXEC_REQUIRE_CLUSTER=1 (CI): no cluster fails the test instead of
//     skipping it.
//   - RPCEXEC_CLUSTER_PORT, RPCEXEC_CLUSTER_DIST_PORT, RPCEXEC_CLUSTER_NODE,
//     RPCEXEC_CLUSTER_TIMEOUT: ports, node names and waits, read by the
//     script (defaults 5681.., 25681.., rpcexec-c1@localhost.., 300 s).
//
// To run the cluster tests, as root:
//
//	RPCEXEC_CLUSTER=1 go test ./internal/clustertest/
//
// or, keeping one cluster across runs:
//
//	scripts/rabbit-cluster up /tmp/rpcexec-cluster
//	RPCEXEC_CLUSTER_ATTACH=/tmp/rpcexec-cluster go test ./internal/clustertest/
//	scripts/rabbit-cluster down /tmp/rpcexec-cluster
//
// A package using the cluster wraps its TestMain with [M] (or uses [Main]).
//
// # Lifetime
//
// A started cluster belongs to a `scripts/rabbit-cluster own DIR` process
// that this package starts first, in its own process group. It holds
// DIR.owner (so a second test binary using the same DIR waits instead of
// tearing this cluster down) and removes the cluster when its stdin, a pipe
// from the test binary, closes. [M] tears the cluster down after the tests
// and reports how long start and stop took; if the binary dies first (a
// panic in a test, -timeout, Ctrl-C, SIGKILL) the pipe closes and the own
// process tears down. A re-run of up in the same DIR also removes what a
// killed earlier run left.
//
// # Concurrency
//
// [Get] may be called from parallel tests: the first call starts the
// cluster, the others wait for it. The node helpers of [Cluster] may be
// called concurrently; the script runs one command per DIR at a time.
// Nodes are numbered 1 to [Cluster.Nodes], as in their names.
package clustertest
