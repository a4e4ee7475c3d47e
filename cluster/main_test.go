package cluster_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/rpcexec/rpcexec/internal/clustertest"
)

// TestMain runs the server of child_test.go when this binary is started
// as one; otherwise the tests, on one cluster for the binary, checking
// that every goroutine they started is gone (ants' default pool, started
// at import, excepted).
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	goleak.VerifyTestMain(clustertest.M(m), goleak.IgnoreCurrent())
}
