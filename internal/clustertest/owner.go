package clustertest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// ownerWait bounds the wait for DIR.owner, which another test binary
// holds while it uses a cluster in the same DIR.
const ownerWait = 15 * time.Minute

// releaseWait bounds the own process's exit after its stdin closes.
const releaseWait = 2 * time.Minute

// owner is a running `scripts/rabbit-cluster own DIR`: it holds the
// cluster directory for this process and tears the cluster down when
// stdin, the write end of which only this process has, closes. So the
// cluster goes when the test binary does, however it ends.
type owner struct {
	cmd    *exec.Cmd
	stdin  *os.File // closing it releases the cluster
	cancel context.CancelFunc
}

// own starts the own process and waits until it holds DIR.owner.
func own(s script) (*owner, error) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, s.path, "own", s.dir)
	// In its own process group, Ctrl-C on the terminal stops the test
	// binary but not the process that cleans up after it.
	cmd.SysProcAttr = ownProcAttr()
	inR, inW, err := os.Pipe()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("clustertest: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		cancel()
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("clustertest: %w", err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, outW
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		cancel()
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("clustertest: starting %s own: %w", scriptPath, err)
	}
	o := &owner{cmd: cmd, stdin: inW, cancel: cancel}

	// The script prints "owned" once it holds DIR.owner, anything else
	// before is an error message.
	var said []string
	outR.SetReadDeadline(time.Now().Add(ownerWait))
	lines := bufio.NewScanner(outR)
	for lines.Scan() {
		if lines.Text() == "owned" {
			outR.Close()
			return o, nil
		}
		said = append(said, lines.Text())
	}
	outR.Close()
	o.release()
	if errors.Is(lines.Err(), os.ErrDeadlineExceeded) {
		return nil, fmt.Errorf("clustertest: waited %v for %s.owner: another test binary is using the cluster in %s; "+
			"run the cluster packages one at a time, or give each its own RPCEXEC_CLUSTER_DIR, _PORT and _NODE",
			ownerWait, s.dir, s.dir)
	}
	return nil, fmt.Errorf("clustertest: %s own %s failed: %s", scriptPath, s.dir, strings.Join(said, "\n"))
}

// release closes the own process's stdin, so that it tears down whatever
// is left in DIR, and waits for it to exit (killing it after releaseWait).
func (o *owner) release() error {
	o.stdin.Close()
	kill := time.AfterFunc(releaseWait, o.cancel)
	defer kill.Stop()
	err := o.cmd.Wait()
	o.cancel()
	if err != nil {
		return fmt.Errorf("clustertest: %s own: %w", scriptPath, err)
	}
	return nil
}
