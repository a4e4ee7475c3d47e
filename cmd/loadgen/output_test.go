package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/bench"
)

// TestSavedResultsCarryTheWorkload: JSON and CSV outputs hold the
// workload as fields and when and on what it ran, so saved files compare.
func TestSavedResultsCarryTheWorkload(t *testing.T) {
	start := time.Now().UTC().Add(-time.Second)
	status, out, errs := loadgen(t.Context(), "--messages", "300", "--format", "json", "-e", "blocking",
		"--publishers", "2", "--work", "cpu:1us")
	if status != exitOK {
		t.Fatalf("status %d, stderr:\n%s", status, errs)
	}
	var r bench.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	p, run := r.Params, r.Run
	if p.URL != "memory://" || p.Mode != "cast" || p.Messages != 300 || p.Publishers != 2 || p.Work != "cpu:1µs" ||
		p.Ack != "after" || p.Exchange != "openstack" || p.Window == 0 {
		t.Errorf("params: got %+v", p)
	}
	if run.Time.Before(start) || run.Version != rpcexec.Version || run.GoVersion != runtime.Version() ||
		run.CPUs != runtime.NumCPU() || run.GOMAXPROCS < 1 || run.OS != runtime.GOOS {
		t.Errorf("run: got %+v", run)
	}

	status, out, errs = loadgen(t.Context(), "--messages", "300", "--format", "csv", "-e", "blocking,pool")
	if status != exitOK {
		t.Fatalf("status %d, stderr:\n%s", status, errs)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("csv: %v, %d records", err, len(recs))
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	for _, rec := range recs[1:] {
		if len(rec) != len(recs[0]) || rec[col["workload_messages"]] != "300" || rec[col["mode"]] != "cast" ||
			rec[col["version"]] != rpcexec.Version || rec[col["go_version"]] != runtime.Version() || rec[col["cpus"]] == "" {
			t.Errorf("csv record %q, header %q", rec, recs[0])
		}
	}
}

// TestProgressOnlyOnATerminal: /dev/null is a character device, not a
// terminal; neither it, a file nor a pipe gets progress lines.
func TestProgressOnlyOnATerminal(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for name, f := range map[string]*os.File{"/dev/null": null, "pipe": w, "file": file} {
		if p := newProgress(f); p.w != nil {
			t.Errorf("%s: got progress lines, want none", name)
		}
	}
}
