package cluster_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/clustertest"
	"github.com/rpcexec/rpcexec/wire"
)

// TestPoisonBoundedByDeliveryLimit: a message whose handling kills the
// server process, every time and on every server, is dropped by the
// broker once rabbit_quorum_delivery_limit is reached, and dead-lettered
// where a policy names a dead-letter exchange. The servers, restarted
// after each crash as a service manager would, carry on: casts before and
// after are handled exactly once.
//
// A quorum queue counts a delivery as failed when the consumer's channel
// closes with the message unacknowledged, which is what a crash does, so
// the limit holds across processes where rpcexec's own max_deliveries
// cannot (a new process remembers nothing). With limit N the message is
// delivered N+1 times: RabbitMQ drops it once its count exceeds N.
func TestPoisonBoundedByDeliveryLimit(t *testing.T) {
	t.Parallel()
	c := clustertest.Get(t)
	const (
		limit = 2
		batch = 100
	)
	topic := newTopic(t, c, "p1", "p2")
	url := nodesURL(t, c, quorum+"&rabbit_quorum_delivery_limit="+strconv.Itoa(limit), 1, 2, 3)

	// The operator's dead-letter policy, and where dead letters go.
	dlx, dead := topic+".dlx", topic+".dead"
	policy := "dlx-" + topic
	c.Ctl(t, 1, "-q", "set_policy", "--apply-to", "queues", policy, "^"+topic+"$", `{"dead-letter-exchange":"`+dlx+`"}`)
	t.Cleanup(func() { c.Ctl(t, 1, "-q", "clear_policy", policy) })
	ch := channel(t, c, 1)
	if err := ch.ExchangeDeclare(dlx, "fanout", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = channel(t, c, 1).ExchangeDelete(dlx, false, false) })
	if _, err := ch.QueueDeclare(dead, true, false, false, false, amqp091.Table{"x-queue-type": "quorum"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteQueues(t, c, dead) })
	if err := ch.QueueBind(dead, "", dlx, false, nil); err != nil {
		t.Fatal(err)
	}

	tl := newTally(2 * batch)
	sup := &supervisor{t: t, tl: tl, topic: topic}
	defer sup.stop()
	for i, ex := range []string{executor.Blocking, executor.Pool} {
		sup.run("p"+strconv.Itoa(i+1), "RPCEXEC_TRANSPORT_URL="+url, "RPCEXEC_EXECUTOR="+ex)
	}
	sup.awaitReady(t, time.Minute)

	buf := logs(t, "client")
	cl := newClient(t, config(url, executor.Pool, buf), topic)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := castIDs(ctx, cl, 0, batch, 0); err != nil {
		t.Fatal(err)
	}
	tl.awaitHandled(t, "casts before the poison", batch, time.Minute)

	if err := cl.Cast(ctx, "crash", nil); err != nil {
		t.Fatal(err)
	}
	d := consumeOne(ctx, t, channel(t, c, 2), dead)
	if reason := d.Headers["x-first-death-reason"]; reason != "delivery_limit" {
		t.Errorf("dead letter's x-first-death-reason: got %v, want delivery_limit", reason)
	}
	if req, err := wire.DecodeRequest(d.Body); err != nil || req.Method != "crash" {
		t.Errorf("dead letter: got %.200q (%v), want the crash cast", d.Body, err)
	}
	// The supervisor learns of the last crash a moment after the broker.
	for deadline := time.Now().Add(10 * time.Second); sup.crashes() < limit+1 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if got := sup.crashes(); got != limit+1 {
		t.Errorf("crashes: got %d, want rabbit_quorum_delivery_limit + 1 = %d", got, limit+1)
	}

	// Both servers, started again, carry on.
	sup.awaitReady(t, time.Minute)
	before := tl.byServer()
	if err := castIDs(ctx, cl, batch, 2*batch, 0); err != nil {
		t.Fatal(err)
	}
	tl.awaitAll(t, "casts after the poison", time.Minute)
	sup.terminate(t)
	if got := sup.crashes(); got != limit+1 {
		t.Errorf("crashes by the end: got %d, want %d", got, limit+1)
	}
	tl.exactlyOnce(t, "casts")
	after := tl.byServer()
	for _, name := range []string{"p1", "p2"} {
		if after[name] == before[name] {
			t.Errorf("server %s handled none of the casts after the poison (by server: before %v, after %v)", name, before, after)
		}
	}
	t.Logf("poison dead-lettered after %d crashes, with x-death %v; casts by server: %v",
		sup.crashes(), d.Headers["x-death"], tl.byServer())
}

// consumeOne takes one message from queue, failing the test if none comes
// before ctx ends.
func consumeOne(ctx context.Context, t *testing.T, ch *amqp091.Channel, queue string) amqp091.Delivery {
	t.Helper()
	deliveries, err := ch.ConsumeWithContext(ctx, queue, "", true, false, false, false, nil)
	if err != nil {
		t.Fatalf("consuming %s: %v", queue, err)
	}
	select {
	case d, ok := <-deliveries:
		if !ok {
			t.Fatalf("consuming %s: channel closed", queue)
		}
		return d
	case <-ctx.Done():
		t.Fatalf("nothing in %s: %v", queue, ctx.Err())
	}
	panic("unreachable")
}

// supervisor runs children and starts each again when it crashes (exits
// with crashStatus), as systemd's Restart=on-failure would.
type supervisor struct {
	t     *testing.T
	tl    *tally
	topic string

	wg       sync.WaitGroup
	mu       sync.Mutex
	stopping bool
	names    map[string]bool // every child supervised
	running  map[string]*child
	crashed  int
}

// run supervises a child called name with env.
func (s *supervisor) run(name string, env ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == nil {
		s.running, s.names = map[string]*child{}, map[string]bool{}
	}
	s.names[name] = true
	if !s.start(name, env) {
		return
	}
	s.wg.Go(func() {
		for {
			s.mu.Lock()
			ch := s.running[name]
			s.mu.Unlock()
			status := ch.wait(time.Hour)
			s.mu.Lock()
			if status != crashStatus || s.stopping {
				delete(s.running, name)
				if status != 0 && !s.stopping {
					s.t.Errorf("child %s exited with status %d\n%s", name, status, ch.stderr)
				}
				s.mu.Unlock()
				return
			}
			s.crashed++
			ok := s.start(name, env)
			s.mu.Unlock()
			if !ok {
				return
			}
		}
	})
}

// start starts child name; called with mu held.
func (s *supervisor) start(name string, env []string) bool {
	ch, err := startChild(s.tl, s.topic, name, env...)
	if err != nil {
		s.t.Errorf("starting child %s: %v", name, err)
		return false
	}
	s.running[name] = ch
	return true
}

func (s *supervisor) crashes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.crashed
}

// awaitReady waits until every supervised child runs and consumes; a
// child that crashes meanwhile is waited for once started again.
func (s *supervisor) awaitReady(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s.mu.Lock()
		ready := len(s.running) == len(s.names)
		for _, ch := range s.running {
			select {
			case <-ch.exited:
				ready = false
			case <-ch.ready:
			default:
				ready = false
			}
		}
		s.mu.Unlock()
		if ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("children not all consuming within %v", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// terminate stops every child gracefully and checks that each exits 0
// within its stop budget.
func (s *supervisor) terminate(t *testing.T) {
	s.mu.Lock()
	s.stopping = true
	running := make([]*child, 0, len(s.running))
	for _, ch := range s.running {
		running = append(running, ch)
	}
	s.mu.Unlock()
	for _, ch := range running {
		ch.terminate()
	}
	for _, ch := range running {
		if status := ch.wait(childStopBudget + 10*time.Second); status != 0 {
			t.Errorf("child %s: exit status %d after SIGTERM, want 0\n%s", ch.name, status, ch.stderr)
		}
	}
	s.wg.Wait()
}

// stop kills what still runs and waits for the supervising goroutines.
func (s *supervisor) stop() {
	s.mu.Lock()
	s.stopping = true
	running := make([]*child, 0, len(s.running))
	for _, ch := range s.running {
		running = append(running, ch)
	}
	s.mu.Unlock()
	for _, ch := range running {
		ch.kill()
	}
	s.wg.Wait()
}
