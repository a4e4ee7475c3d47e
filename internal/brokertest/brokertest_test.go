package brokertest

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestOsloServerStops: the oslo.messaging server starts, declares its
// queues, and is gone with its reader goroutine when the test ends
// (goleak checks the latter).
func TestOsloServerStops(t *testing.T) {
	url := OsloURL(t)
	var topic string
	t.Run("serve", func(t *testing.T) {
		topic = Topic(t, "py-1")
		OsloServer[map[string]any](t, "../../testdata/oslo/server.py", url, topic, "py-1")
		if n := queueConsumers(t, topic+".py-1"); n != 1 {
			t.Errorf("consumers of %s.py-1: got %d, want the oslo server", topic, n)
		}
	})
	// Topic deleted the queues after the server stopped.
	if _, err := Channel(t).QueueDeclarePassive(topic, false, false, false, false, nil); err == nil {
		t.Errorf("queue %s still exists after the test, want it deleted", topic)
	}
}

func queueConsumers(t *testing.T, queue string) int {
	t.Helper()
	q, err := Channel(t).QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return q.Consumers
}
