package executortest_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/executor/executortest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) // ants' default pool
}

// TestSuiteOnGoroutine runs the suite on a strategy that can block for
// capacity, checking that the suite's own goroutines all end.
func TestSuiteOnGoroutine(t *testing.T) {
	executortest.Run(t, func(*testing.T) executor.Executor { return executor.NewGoroutine(2) },
		executortest.WithCapacity(2))
}
