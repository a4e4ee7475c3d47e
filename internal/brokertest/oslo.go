package brokertest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/rpcexec/rpcexec/wire"
)

// Python is the interpreter that has Debian's python3-oslo.messaging; the
// first python3 on PATH may be another one.
const Python = "/usr/bin/python3"

// OsloURL returns the broker's URL as rabbit:// (oslo.messaging reads
// amqp:// as AMQP 1.0) once oslo.messaging imports. Without it the test is
// skipped with how to install it, or fails when RequireEnv is set.
func OsloURL(t testing.TB) string {
	t.Helper()
	raw := URL(t)
	if err := exec.Command(Python, "-c", "import oslo_messaging").Run(); err != nil {
		msg := "oslo.messaging not importable by " + Python + " (" + err.Error() +
			"); install it with `apt-get install -y python3-oslo.messaging`"
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal(msg + "; " + RequireEnv + "=1 makes oslo tests required")
		}
		t.Skip(msg)
	}
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		raw = "rabbit://" + rest
	}
	return raw
}

// Topic returns a topic no other test or run uses. Its topic queue and the
// queues of the named servers are deleted when the test ends: topic queues
// outlive their servers, as oslo's do. Call it before starting servers, so
// that the deletion runs after they have stopped.
func Topic(t testing.TB, servers ...string) string {
	t.Helper()
	topic := "rpcexec-it-" + wire.NewID()[:12]
	queues := []string{topic}
	for _, s := range servers {
		queues = append(queues, topic+"."+s)
	}
	url := URL(t)
	t.Cleanup(func() {
		if err := DeleteQueues(url, queues...); err != nil {
			t.Logf("deleting queues %v: %v", queues, err)
		}
	})
	return topic
}
