package chaos_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/internal/chaos"
)

// drain is the final read of the queues, once every server has stopped:
// each request still queued is recorded as left there. At-least-once
// holds for it (a later server would handle it), so the checker does not
// count it lost; a schedule that overloads a blocking server leaves some.
func (c *cluster) drain() {
	c.t.Helper()
	ch := brokertest.Channel(c.t)
	for _, q := range c.queues {
		// The broker requeues what a closed channel held as it notices the
		// close, a moment after the process ended: wait for no consumer.
		// The broker has no signal for it: read the count as the repo's
		// awaitDepth does.
		tick := time.NewTicker(20 * time.Millisecond)
		deadline := time.After(10 * time.Second)
		for waiting := true; waiting; {
			st, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
			if err != nil {
				tick.Stop()
				c.t.Errorf("final read of %s: %v", q, err)
				return
			}
			if st.Consumers == 0 {
				break
			}
			select {
			case <-tick.C:
			case <-deadline:
				c.t.Logf("final read of %s: %d consumers after 10 s; reading anyway", q, st.Consumers)
				waiting = false
			}
		}
		tick.Stop()
		for {
			m, ok, err := ch.Get(q, true)
			if err != nil {
				c.t.Errorf("final read of %s: %v", q, err)
				return
			}
			if !ok {
				break
			}
			c.w.record(chaos.Event{Kind: chaos.Left, ID: payloadID(m.Body), What: q})
		}
	}
}

// payloadID is the id in the args of an oslo.messaging request body, or
// "?" when there is none.
func payloadID(body []byte) string {
	var env struct {
		Message string `json:"oslo.message"`
	}
	var req struct {
		Args chaos.Args `json:"args"`
	}
	if json.Unmarshal(body, &env) != nil || json.Unmarshal([]byte(env.Message), &req) != nil || req.Args.ID == "" {
		return "?"
	}
	return req.Args.ID
}

func TestPayloadID(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"request", `{"oslo.version": "2.0", "oslo.message": "{\"method\": \"sleep\", \"args\": {\"id\": \"c7\", \"seconds\": 1}}"}`, "c7"},
		{"no id", `{"oslo.version": "2.0", "oslo.message": "{\"method\": \"sleep\", \"args\": {}}"}`, "?"},
		{"not the envelope", `{"method": "sleep"}`, "?"},
		{"not JSON", `sleep`, "?"},
	}
	for _, tc := range tests {
		if got := payloadID([]byte(tc.body)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
