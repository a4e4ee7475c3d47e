// Package executortest is the contract every executor.Executor must pass, the
// strategies of package executor and any other: run it from a test with Run.
package executortest
