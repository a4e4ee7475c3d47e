package request

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: the call
// monitor's, or a copy waiting in Dedup.begin.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
