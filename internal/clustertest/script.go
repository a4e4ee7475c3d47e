package clustertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// scriptPath is scripts/rabbit-cluster relative to the module root.
const scriptPath = "scripts/rabbit-cluster"

// scriptBackstop bounds one script command. The script's own waits
// (RPCEXEC_CLUSTER_TIMEOUT, 300 s by default) end first, with a message
// saying what they waited for; this only catches a hung script.
const scriptBackstop = 20 * time.Minute

// script runs scripts/rabbit-cluster for one cluster directory.
type script struct {
	path string // the script
	dir  string // the cluster directory, the last argument of every command
}

// findScript finds scripts/rabbit-cluster in the module that holds the
// working directory (go test runs in the package's directory).
func findScript() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("clustertest: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			p := filepath.Join(d, scriptPath)
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("clustertest: no %s in the module at %s: %w", scriptPath, d, err)
			}
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("clustertest: no go.mod above " + wd + "; run the tests with go test inside the module")
		}
	}
}

// run runs one command (up, stop-node 2, ...) and returns its standard
// output. Errors carry its standard error, which says what failed and shows
// the failing node's logs.
func (s script) run(args ...string) (string, error) {
	return s.exec(append(args[:len(args):len(args)], s.dir))
}

// ctl runs rabbitmqctl args on node i: `ctl N DIR ARGS...`.
func (s script) ctl(i int, args ...string) (string, error) {
	return s.exec(append([]string{"ctl", strconv.Itoa(i), s.dir}, args...))
}

// exec runs the script with argv.
func (s script) exec(argv []string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), scriptBackstop)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.path, argv...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A process that kept an output pipe open must not hang Wait.
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("clustertest: %s %s: %w\n%s",
			scriptPath, strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// node runs a command that takes a node number.
func (s script) node(cmd string, i int) (string, error) {
	return s.run(cmd, strconv.Itoa(i))
}
