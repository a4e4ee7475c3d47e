package brokertest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/syncbuf"
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

// OsloServer runs the oslo.messaging server script (testdata/oslo/server.py)
// at url on topic as server until the test ends, and returns the JSON lines
// it prints once it is consuming, decoded into T. The script stops when its
// stdin closes; lines the test has not read by then are dropped.
func OsloServer[T any](t testing.TB, script, url, topic, server string) <-chan T {
	t.Helper()
	cmd := exec.Command(Python, script, url, topic, server)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := new(syncbuf.Buffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	lines := make(chan T, 256)
	stop, read := make(chan struct{}), make(chan struct{})
	go func() { // ends when the process closes its stdout
		defer close(read)
		sc := bufio.NewScanner(stdout)
		ready <- sc.Scan() && bytes.Contains(sc.Bytes(), []byte(`"ready": true`))
		for sc.Scan() {
			var v T
			if json.Unmarshal(sc.Bytes(), &v) != nil {
				continue
			}
			select {
			case lines <- v:
			case <-stop:
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		stdin.Close()
		select {
		case <-read:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-read
			t.Errorf("oslo server did not stop within 30 s")
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("oslo server: %v\n%s", err, stderr)
		}
	})
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("oslo server did not start\n%s", stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("oslo server not ready within 60 s\n%s", stderr)
	}
	return lines
}
