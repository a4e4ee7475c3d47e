package cluster_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/internal/syncbuf"
)

// python is the interpreter that has Debian's python3-oslo.messaging; the
// first python3 on PATH may be another one.
const python = "/usr/bin/python3"

// pyLine is one JSON line printed by testdata/oslo_*.py.
type pyLine struct {
	Ready bool `json:"ready"`
	ID    *int `json:"id"`
	Sent  int  `json:"sent"`
	Done  int  `json:"done"`
}

// pyProc is a running testdata/oslo_*.py script.
type pyProc struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *syncbuf.Buffer
	ready  chan struct{} // closed at {"ready": true}
	exited chan struct{} // closed once it has exited; err is set then
	err    error
}

// startPy runs script (in testdata) with args, calling onLine for each line
// it prints from a goroutine of its own. The script is stopped (stdin
// closed, then killed after 30 s) when the test ends if it is still
// running.
func startPy(t *testing.T, onLine func(pyLine), script string, args ...string) *pyProc {
	t.Helper()
	p := &pyProc{name: script, stderr: new(syncbuf.Buffer), ready: make(chan struct{}), exited: make(chan struct{})}
	p.cmd = exec.Command(python, append([]string{"testdata/" + script}, args...)...)
	p.cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.exited)
		sc := bufio.NewScanner(stdout)
		ready := false
		for sc.Scan() {
			var l pyLine
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			if l.Ready && !ready {
				ready = true
				close(p.ready)
			}
			if onLine != nil {
				onLine(l)
			}
		}
		p.err = p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if err := p.stop(30 * time.Second); err != nil {
			t.Errorf("%s: %v\n%s", script, err, p.stderr)
		}
	})
	return p
}

// awaitReady waits for {"ready": true}.
func (p *pyProc) awaitReady(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case <-p.ready:
	case <-p.exited:
		t.Fatalf("%s exited before it was ready: %v\n%s", p.name, p.err, p.stderr)
	case <-time.After(within):
		t.Fatalf("%s not ready within %v\n%s", p.name, within, p.stderr)
	}
}

// wait waits for the script to exit by itself and returns why it failed.
func (p *pyProc) wait(within time.Duration) error {
	select {
	case <-p.exited:
		return p.err
	case <-time.After(within):
		return errors.New("did not finish within " + within.String())
	}
}

// stop closes the script's stdin, which stops a server, and waits for it
// to exit, killing it after within. It may be called again.
func (p *pyProc) stop(within time.Duration) error {
	p.stdin.Close()
	select {
	case <-p.exited:
		return p.err
	case <-time.After(within):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("did not stop within " + within.String() + "; killed")
	}
}
