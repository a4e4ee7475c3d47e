package main

import (
	"context"
	"encoding/json"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/bench"
	"github.com/rpcexec/rpcexec/executor"
	"github.com/rpcexec/rpcexec/internal/brokertest"
)

// TestMeasureTable: a short default run prints the workload and one row per
// executor.
func TestMeasureTable(t *testing.T) {
	status, out, errs := loadgen(t.Context(), "--messages", "2000")
	if status != exitOK {
		t.Fatalf("status %d, stderr:\n%s", status, errs)
	}
	if errs != "" {
		t.Errorf("stderr = %q, want nothing (not a terminal: no progress)", errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "workload: memory:// · cast") || !strings.Contains(lines[2], "msgs/s") {
		t.Fatalf("output:\n%s", out)
	}
	for i, name := range executor.Names() {
		f := strings.Fields(lines[3+i])
		if len(f) < 4 || f[0] != name || f[1] != "2000" {
			t.Errorf("row %d = %q, want %s with 2000 messages", i, lines[3+i], name)
		}
	}
}

func TestMeasureJSONAndBaseline(t *testing.T) {
	status, out, errs := loadgen(t.Context(), "--messages", "1000", "--format", "json", "--baseline",
		"--executor", "pool,blocking", "--mode", "fanout", "--work", "mix:50%0,50%cpu:10us")
	if status != exitOK {
		t.Fatalf("status %d, stderr:\n%s", status, errs)
	}
	var r bench.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--format json printed something else: %v\n%s", err, out)
	}
	if len(r.Results) != 3 || r.Results[0].Strategy != bench.Baseline || r.Results[1].Strategy != "pool" ||
		r.Results[0].VsBaseline != 1 || r.Results[2].VsBaseline <= 0 || r.Results[2].Messages != 2000 ||
		len(r.Results[2].PerServer) != 2 || !strings.Contains(r.Workload, "fanout") {
		t.Errorf("report = %+v", r)
	}
}

func TestMeasureCSV(t *testing.T) {
	status, out, errs := loadgen(t.Context(), "--messages", "500", "--format", "csv", "-e", "goroutine", "--prefill")
	if status != exitOK {
		t.Fatalf("status %d, stderr:\n%s", status, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "strategy,messages,") || !strings.HasPrefix(lines[1], "goroutine,500,") {
		t.Errorf("csv = %q", lines)
	}
}

func TestMeasurePlot(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"chart.png", "chart.svg"} {
		path := filepath.Join(dir, name)
		status, _, errs := loadgen(t.Context(), "--messages", "500", "--plot", path, "--baseline")
		if status != exitOK {
			t.Fatalf("%s: status %d, stderr:\n%s", name, status, errs)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".png") {
			if _, err := png.Decode(f); err != nil {
				t.Errorf("%s does not decode as PNG: %v", name, err)
			}
		} else {
			head := make([]byte, 5)
			if _, err := f.Read(head); err != nil || (string(head) != "<?xml" && !strings.HasPrefix(string(head), "<svg")) {
				t.Errorf("%s starts %q, want <?xml or <svg", name, head)
			}
		}
		f.Close()
	}
}

// TestBadFlags: every bad flag says what is wrong in short, points to
// -h (rather than printing the whole usage) and exits 2.
func TestBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--nope"}, "flag provided but not defined: -nope"},
		{"bad number", []string{"--messages", "lots"}, `invalid value "lots" for flag -messages`},
		{"unknown executor", []string{"--executor", "eventlet"}, `--executor "eventlet": want one of blocking, goroutine, pool`},
		{"bad work", []string{"--work", "nap:1ms"}, `--work: bench: bad work spec: "nap:1ms"`},
		{"bad mix", []string{"--work", "mix:50%cpu:1ms"}, "add up to 50, want 100"},
		{"bad format", []string{"--format", "xml"}, `--format "xml": want table, json, csv`},
		{"bad plot", []string{"--plot", "chart.gif"}, `--plot "chart.gif": want a file name ending in .png or .svg`},
		{"bad mode", []string{"--mode", "notify"}, `mode "notify"`},
		{"bad ack", []string{"--ack", "never"}, `ack "never"`},
		{"stray argument", []string{"fast"}, `unexpected argument "fast"`},
		{"prefill by time", []string{"--prefill", "--duration", "1s"}, "prefill needs a number of messages"},
		{"prefetch under pool", []string{"--prefetch", "8"}, "rabbit_qos_prefetch_count = 8"},
		{"bad url", []string{"--url", "http://x"}, `unknown scheme "http"`},
		{"server: bad executor", []string{"rpc-server", "--executor", "eventlet"}, `executor = "eventlet"`},
		{"client: args not an object", []string{"rpc-client", "--args", "[1]"}, `--args "[1]": want a JSON object`},
		{"client: no messages", []string{"rpc-client", "--messages", "0"}, "--messages 0: want at least 1"},
		{"client: bad timeout", []string{"rpc-client", "--timeout", "soon"}, "want a positive number of seconds"},
		{"duration without a unit", []string{"--duration", "1"}, "--duration 1: a duration needs a unit: did you mean 1s?"},
		{"duration not a duration", []string{"-l", "soon"}, `-l "soon": want a duration such as 30s`},
		{"server: bad config value", []string{"rpc-server", "--config-file", "testdata/bad.conf"},
			`testdata/bad.conf:4: [oslo_messaging_rabbit] heartbeat_rate = "often": want a whole number`},
		{"client: malformed config", []string{"rpc-client", "--config-file", "testdata/malformed.conf"},
			"testdata/malformed.conf:3: "},
		{"missing config file", []string{"--config-file", "testdata/none.conf"}, "testdata/none.conf"},
		{"missing config dir", []string{"rpc-server", "--config-dir", "testdata/none"}, "testdata/none not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, errs := loadgen(t.Context(), tt.args...)
			if status != exitUsage {
				t.Errorf("status = %d, want %d", status, exitUsage)
			}
			if !strings.HasPrefix(errs, "loadgen: ") || !strings.Contains(errs, tt.want) {
				t.Errorf("stderr = %q, want a line with %q", errs, tt.want)
			}
			if strings.Contains(errs, "usage: loadgen") || strings.Count(errs, "\n") > 2 {
				t.Errorf("stderr is more than the error and a pointer to -h:\n%s", errs)
			}
			if !strings.HasPrefix(tt.name, "missing") && !strings.Contains(tt.name, "config") &&
				!strings.HasSuffix(errs, " -h' for the flags\n") {
				t.Errorf("stderr does not point to -h:\n%s", errs)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	status, _, errs := loadgen(t.Context(), "-h")
	if status != exitOK || !strings.Contains(errs, "--messages, -m int") || !strings.Contains(errs, "--baseline") {
		t.Errorf("-h: status %d, stderr:\n%s", status, errs)
	}
}

// TestUnreachableBroker: one line naming the URL without its password.
func TestUnreachableBroker(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	for _, args := range [][]string{
		{"--url", "rabbit://me:s3cret@" + addr + "/"},
		{"rpc-server", "--url", "rabbit://me:s3cret@" + addr + "/"},
		{"rpc-client", "--url", "rabbit://me:s3cret@" + addr + "/"},
	} {
		status, out, errs := loadgen(t.Context(), args...)
		want := "loadgen: cannot reach RabbitMQ at rabbit://me:***@" + addr + "/: "
		if status != exitFailed || !strings.HasPrefix(errs, want) || strings.Count(errs, "\n") != 1 ||
			strings.Contains(errs, "s3cret") || out != "" {
			t.Errorf("%s: status %d, stdout %q, stderr %q; want 1 and one line starting %q", args[0], status, out, errs, want)
		}
	}
}

// TestInterrupted: Ctrl-C (here, the context ending) stops the run at once
// and prints what was measured, marked, with status 130.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	status, out, errs := loadgen(ctx, "--messages", "10000000", "--work", "sleep:1ms", "--baseline")
	if status != exitInterrupted {
		t.Errorf("status = %d, want %d; stderr:\n%s", status, exitInterrupted, errs)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to stop", d)
	}
	if !strings.Contains(out, "baseline*") || !strings.Contains(out, "* interrupted") ||
		!strings.Contains(errs, "loadgen: interrupted during baseline") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errs)
	}
}

// TestMeasureRabbit runs the baseline and every executor against RabbitMQ
// (AMQP_URL; skipped without a broker), calls and prefilled casts.
func TestMeasureRabbit(t *testing.T) {
	url := brokertest.URL(t)
	for _, args := range [][]string{
		{"--mode", "call", "--messages", "200", "--publishers", "8"},
		{"--prefill", "--messages", "500", "--ack", "before"},
	} {
		status, out, errs := loadgen(t.Context(), append([]string{"--url", url, "--baseline", "--format", "json"}, args...)...)
		var r bench.Report
		if status != exitOK || json.Unmarshal([]byte(out), &r) != nil || len(r.Results) != 1+len(executor.Names()) {
			t.Fatalf("%q: status %d, stdout:\n%s\nstderr:\n%s", args, status, out, errs)
		}
		for _, res := range r.Results {
			if res.MsgsPerSec <= 0 || res.VsBaseline <= 0 {
				t.Errorf("%q: %+v", args, res)
			}
		}
	}
}
