package bench

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// osloProc is one oslo.messaging peer process.
type osloProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	stderr bytes.Buffer
	done   chan struct{} // closed when the process has exited
	err    error         // its exit, read after done
}

// startOslo starts a peer and waits for its ready line; the queues it
// names are the run's to delete.
func (r *run) startOslo(ctx context.Context, args ...string) (*osloProc, error) {
	p := &osloProc{done: make(chan struct{})}
	p.cmd = exec.Command(OsloPython, append([]string{"-c", osloPeer}, args...)...)
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	p.lines = bufio.NewScanner(out)
	if _, err := r.control(ctx, p, "ready"); err != nil {
		p.kill()
		return nil, err
	}
	return p, nil
}

// osloLine is a control line of a peer.
type osloLine struct {
	Ready, Started bool
	Queues         []string
	Sent, Errors   *int64
	Error          string
}

// control reads lines until the JSON line with key, registering the queues
// any of them names. It gives up when ctx ends, which kills the peer.
func (r *run) control(ctx context.Context, p *osloProc, key string) (osloLine, error) {
	stop := context.AfterFunc(ctx, p.kill)
	defer stop()
	for p.lines.Scan() {
		var l osloLine
		if err := json.Unmarshal(p.lines.Bytes(), &l); err != nil {
			continue // not a control line
		}
		r.e.remember(l.Queues...)
		if strings.Contains(string(p.lines.Bytes()), `"`+key+`"`) {
			return l, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return osloLine{}, err
	}
	return osloLine{}, p.failure()
}

// failure is why the peer stopped early.
func (p *osloProc) failure() error {
	<-p.done
	msg := strings.TrimSpace(p.stderr.String())
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	return fmt.Errorf("bench: oslo.messaging peer exited (%v): %s", p.err, msg)
}

func (p *osloProc) send(line string) error {
	_, err := io.WriteString(p.stdin, line+"\n")
	return err
}

// stop closes the peer's stdin, which stops it, and waits; a peer that does
// not stop in time is killed.
func (p *osloProc) stop(wait time.Duration) {
	_ = p.stdin.Close()
	if wait <= 0 {
		p.kill()
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.kill()
	}
}

func (p *osloProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}
