package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/rpcexec/rpcexec/internal/brokertest"
	"github.com/rpcexec/rpcexec/internal/syncbuf"
)

// TestWatchSignals: the first SIGINT cancels, a second exits with 130;
// SIGTERM cancels and exits with 143 unless the command returns in time.
func TestWatchSignals(t *testing.T) {
	type watch struct {
		sigs       chan os.Signal
		returned   chan struct{}
		cancelled  chan struct{} // closed by the first cancel
		exits      chan int
		done       chan struct{}
		terminated atomic.Bool
	}
	start := func() *watch {
		w := &watch{sigs: make(chan os.Signal, 2), returned: make(chan struct{}), cancelled: make(chan struct{}),
			exits: make(chan int, 2), done: make(chan struct{})}
		var once sync.Once
		go func() {
			defer close(w.done)
			watchSignals(w.sigs, w.returned, func() { once.Do(func() { close(w.cancelled) }) }, &w.terminated,
				io.Discard, func(_ io.Writer, status int) { w.exits <- status })
		}()
		return w
	}
	awaitCancel := func(t *testing.T, w *watch) {
		t.Helper()
		select {
		case <-w.cancelled:
		case <-time.After(5 * time.Second):
			t.Fatal("not cancelled")
		}
	}
	t.Run("SIGINT twice", func(t *testing.T) {
		w := start()
		defer func() { close(w.returned); <-w.done }()
		w.sigs <- os.Interrupt
		awaitCancel(t, w)
		w.sigs <- os.Interrupt
		select {
		case status := <-w.exits:
			if status != exitInterrupted {
				t.Errorf("exit %d, want %d", status, exitInterrupted)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a second SIGINT did not exit")
		}
	})
	t.Run("SIGINT once", func(t *testing.T) {
		w := start()
		w.sigs <- os.Interrupt
		awaitCancel(t, w)
		close(w.returned)
		<-w.done
		if len(w.exits) != 0 {
			t.Error("one SIGINT exited")
		}
	})
	t.Run("SIGTERM, command returns", func(t *testing.T) {
		w := start()
		w.sigs <- syscall.SIGTERM
		awaitCancel(t, w)
		close(w.returned)
		<-w.done
		if len(w.exits) != 0 || !w.terminated.Load() {
			t.Errorf("exits %d, terminated %v; want no exit (the command returned) and terminated",
				len(w.exits), w.terminated.Load())
		}
	})
	t.Run("SIGTERM, command hangs", func(t *testing.T) {
		w := start()
		defer func() { close(w.returned); <-w.done }()
		w.sigs <- syscall.SIGTERM
		select {
		case status := <-w.exits:
			if status != exitTerminated {
				t.Errorf("exit %d, want %d", status, exitTerminated)
			}
		case <-time.After(sweepTimeout + 5*time.Second):
			t.Fatal("SIGTERM did not exit")
		}
	})
}

// buildLoadgen builds this command for tests that signal a real process.
func buildLoadgen(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "loadgen")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// declaredQueue matches bench's log line for each queue a run declares;
// measuring, the line when a run's clock starts.
var (
	declaredQueue = regexp.MustCompile(`msg="bench: queue declared" queue=(\S+)`)
	measuring     = regexp.MustCompile(`msg="bench: measuring" strategy=(\S+)`)
)

// running is a loadgen process and what it printed.
type running struct {
	cmd     *exec.Cmd
	stdout  syncbuf.Buffer
	mu      sync.Mutex
	queues  []string
	started chan struct{} // closed once the strategy it waits for is being measured
	exited  chan error
}

// startLoadgen runs bin with args and follows its log of queues, and of
// runs starting until strategy does.
func startLoadgen(t *testing.T, bin, strategy string, args ...string) *running {
	t.Helper()
	r := &running{cmd: exec.Command(bin, args...), started: make(chan struct{}), exited: make(chan error, 1)}
	r.cmd.Stdout = &r.stdout
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	read := make(chan struct{})
	go func() {
		defer close(read)
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if m := measuring.FindStringSubmatch(lines.Text()); m != nil && m[1] == strategy {
				once.Do(func() { close(r.started) })
			}
			if m := declaredQueue.FindStringSubmatch(lines.Text()); m != nil {
				r.mu.Lock()
				r.queues = append(r.queues, m[1])
				r.mu.Unlock()
			}
		}
	}()
	go func() {
		<-read // Wait closes the pipe: read it all first
		r.exited <- r.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
	})
	return r
}

// awaitRun waits until the strategy is being measured.
func (r *running) awaitRun(t *testing.T) {
	t.Helper()
	select {
	case <-r.started:
	case err := <-r.exited:
		t.Fatalf("loadgen exited before calling: %v\n%s", err, r.stdout.String())
	case <-time.After(60 * time.Second):
		t.Fatal("loadgen made no calls within 60 s")
	}
}

// exit waits at most within for the process to exit and returns its status.
func (r *running) exit(t *testing.T, within time.Duration) int {
	t.Helper()
	start := time.Now()
	select {
	case err := <-r.exited:
		if d := time.Since(start); d > within {
			t.Errorf("exited after %v, want within %v", d, within)
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("still running %v after the signal; stdout:\n%s", within, r.stdout.String())
		return -1
	}
}

// assertNoQueues checks that no queue loadgen declared is left: each name it
// logged is gone, and (when rabbitmqctl can list them) no queue is named
// after a topic it used.
func (r *running) assertNoQueues(t *testing.T, url string) {
	t.Helper()
	r.mu.Lock()
	queues := append([]string(nil), r.queues...)
	r.mu.Unlock()
	if len(queues) == 0 {
		t.Fatal("loadgen logged no queues")
	}
	conn, err := amqp091.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var topics []string
	for _, q := range queues {
		if strings.HasPrefix(q, "bench_") && !strings.Contains(q, ".") && !strings.Contains(q, "_fanout_") {
			topics = append(topics, q)
		}
		ch, err := conn.Channel()
		if err != nil {
			t.Fatal(err)
		}
		_, err = ch.QueueDeclarePassive(q, false, false, false, false, nil)
		var ae *amqp091.Error
		if !errors.As(err, &ae) || ae.Code != amqp091.NotFound {
			t.Errorf("queue %s: passive declare = %v, want NOT_FOUND: it was left on the broker", q, err)
			ch.Close()
		}
	}
	ctl, err := exec.LookPath("rabbitmqctl")
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, ctl, "list_queues", "-q", "name").Output()
	if err != nil {
		t.Logf("rabbitmqctl list_queues: %v (not checking fanout queues)", err)
		return
	}
	for name := range strings.FieldsSeq(string(out)) {
		for _, topic := range topics {
			if strings.HasPrefix(name, topic) {
				t.Errorf("queue %s of topic %s was left on the broker", name, topic)
			}
		}
	}
}

// TestSIGINTOnRabbit sends Ctrl-C to a real loadgen process in the middle of
// calls on RabbitMQ, for the raw baseline and for an executor: it exits
// within 5 s with status 130 and what it measured, and leaves no queue.
func TestSIGINTOnRabbit(t *testing.T) {
	url := brokertest.URL(t)
	bin := buildLoadgen(t)
	for _, tt := range []struct{ strategy, flag string }{{"baseline", "--baseline"}, {"pool", "-e=pool"}} {
		t.Run(tt.strategy, func(t *testing.T) {
			r := startLoadgen(t, bin, tt.strategy, "--url", url, "--mode", "call", "--publishers", "8", "--duration", "5m",
				"--log-level", "info", "-e", "pool", tt.flag)
			r.awaitRun(t)
			if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			if status := r.exit(t, 5*time.Second); status != exitInterrupted {
				t.Errorf("status %d, want %d", status, exitInterrupted)
			}
			if out := r.stdout.String(); !strings.Contains(out, "* interrupted") {
				t.Errorf("stdout does not show what was measured:\n%s", out)
			}
			r.assertNoQueues(t, url)
		})
	}
}

// TestSIGTERMOnRabbit: SIGTERM stops loadgen promptly, with status 143,
// and leaves no queue.
func TestSIGTERMOnRabbit(t *testing.T) {
	url := brokertest.URL(t)
	r := startLoadgen(t, buildLoadgen(t), "goroutine", "--url", url, "--mode", "call", "--publishers", "8",
		"--duration", "5m", "--log-level", "info", "-e", "goroutine")
	r.awaitRun(t)
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if status := r.exit(t, 5*time.Second); status != exitTerminated {
		t.Errorf("status %d, want %d", status, exitTerminated)
	}
	r.assertNoQueues(t, url)
}

// TestSecondSIGINTOnRabbit: a second Ctrl-C exits at once, deleting the
// queues on the way.
func TestSecondSIGINTOnRabbit(t *testing.T) {
	url := brokertest.URL(t)
	r := startLoadgen(t, buildLoadgen(t), "blocking", "--url", url, "--mode", "call", "--publishers", "8",
		"--duration", "5m", "--log-level", "info", "-e", "blocking")
	r.awaitRun(t)
	for range 2 {
		if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
	}
	if status := r.exit(t, sweepTimeout+3*time.Second); status != exitInterrupted {
		t.Errorf("status %d, want %d", status, exitInterrupted)
	}
	r.assertNoQueues(t, url)
}
