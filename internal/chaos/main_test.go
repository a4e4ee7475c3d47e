package chaos_test

import (
	"os"
	"testing"

	"github.com/rpcexec/rpcexec/internal/chaos"
	"go.uber.org/goleak"
)

// TestMain runs a chaos server process when the test binary was started as
// one (the tests start themselves again for each server); otherwise the
// tests, then a goroutine leak check. IgnoreCurrent: ants starts its
// default pool when the package is linked.
func TestMain(m *testing.M) {
	if os.Getenv(chaos.ServerEnv) == "1" {
		os.Exit(chaos.ServerMain())
	}
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent())
}
