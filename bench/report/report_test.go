package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec/bench"
)

func sample() bench.Report {
	r := bench.Report{Workload: "memory:// · cast", Notes: []string{"a note"}, Results: []bench.Result{
		{Strategy: bench.Baseline, Messages: 1000, Elapsed: time.Millisecond, MsgsPerSec: 1_000_000,
			P50: 2 * time.Microsecond, P95: 5 * time.Microsecond, P99: 9 * time.Microsecond, Max: 10 * time.Microsecond,
			PeakGoroutines: 5, AllocsPerMsg: 1, BytesPerMsg: 100, PeakHeap: 3 << 20},
		{Strategy: "pool", Messages: 2000, Elapsed: 10 * time.Millisecond, MsgsPerSec: 200_000,
			P50: 40 * time.Microsecond, P95: 1500 * time.Microsecond, P99: 12 * time.Millisecond, Max: 13 * time.Millisecond,
			PeakInFlight: 64, PeakGoroutines: 70, AllocsPerMsg: 17.25, BytesPerMsg: 998, PeakHeap: 12 << 20, PerServer: []int64{1000, 1000}},
		{Strategy: "blocking", Messages: 10, Elapsed: time.Millisecond, MsgsPerSec: 10_000, Partial: true},
	}}
	r.SetRatios()
	return r
}

func TestTable(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, Table, sample()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if lines[0] != "workload: memory:// · cast" {
		t.Errorf("first line = %q, want the workload", lines[0])
	}
	header := strings.Fields(lines[2])
	if header[0] != "strategy" || header[3] != "msgs/s" {
		t.Fatalf("header = %q", lines[2])
	}
	rows := map[string][]string{}
	for _, l := range lines[3:6] {
		f := strings.Fields(l)
		rows[f[0]] = f
	}
	pool := rows["pool"]
	for i, want := range []string{"pool", "2000", "0.01", "200,000", "40.0µs", "1.50ms", "12.0ms", "64", "70", "17.2", "998", "12.0", "MiB", "0.20×"} {
		if i >= len(pool) || pool[i] != want {
			t.Errorf("pool row = %q: field %d want %q", pool, i, want)
		}
	}
	if rows["baseline"][len(rows["baseline"])-1] != "1.00×" {
		t.Errorf("baseline row = %q, want ratio 1.00×", rows["baseline"])
	}
	if _, ok := rows["blocking*"]; !ok {
		t.Errorf("interrupted row not marked: %q", lines)
	}
	rest := strings.Join(lines[6:], "\n")
	for _, want := range []string{"pool handled per server: 1000, 1000", "* interrupted", "a note"} {
		if !strings.Contains(rest, want) {
			t.Errorf("notes %q lack %q", rest, want)
		}
	}
}

func TestJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, JSON, sample()); err != nil {
		t.Fatal(err)
	}
	var got bench.Report
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, buf.String())
	}
	want := sample()
	if got.Workload != want.Workload || len(got.Results) != 3 || got.Results[1].P99 != 12*time.Millisecond ||
		got.Results[1].VsBaseline != 0.2 || !got.Results[2].Partial || got.Results[1].PerServer[1] != 1000 {
		t.Errorf("round trip = %+v, want %+v", got, want)
	}
	if !strings.Contains(buf.String(), `"p99_ns": 12000000`) {
		t.Errorf("JSON lacks p99_ns in nanoseconds:\n%s", buf.String())
	}
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, CSV, sample()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || strings.Join(recs[0], ",") != strings.Join(CSVHeader, ",") {
		t.Fatalf("records = %q, want the header and 3 rows", recs)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	pool := recs[2]
	if v, _ := strconv.ParseFloat(pool[col["msgs_per_sec"]], 64); v != 200_000 {
		t.Errorf("msgs_per_sec = %q, want 200000", pool[col["msgs_per_sec"]])
	}
	if pool[col["p50_ns"]] != "40000" || pool[col["per_server"]] != "1000;1000" || recs[3][col["partial"]] != "true" {
		t.Errorf("pool row = %q", pool)
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "xml", sample()); err == nil || !strings.Contains(err.Error(), "table, json, csv") {
		t.Errorf("Write(xml) = %v, want an error listing the formats", err)
	}
}

func TestPlot(t *testing.T) {
	var buf bytes.Buffer
	if err := Plot(&buf, "png", sample()); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil || img.Bounds().Dx() < 100 {
		t.Fatalf("PNG decode = %v, %v", img, err)
	}
	buf.Reset()
	if err := Plot(&buf, "svg", sample()); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.HasPrefix(s, "<?xml") && !strings.HasPrefix(s, "<svg") || !strings.Contains(s, "pool") {
		t.Errorf("SVG starts %.40q, want an SVG document naming the strategies", s)
	}
	if err := Plot(&buf, "png", bench.Report{}); err == nil {
		t.Error("Plot of no results = nil, want an error")
	}
	if err := PlotFile(t.TempDir()+"/chart.gif", sample()); err == nil {
		t.Error("PlotFile(.gif) = nil, want an error")
	}
}

func TestFormatting(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{Duration(0), "0"}, {Duration(850), "850ns"}, {Duration(1500), "1.50µs"}, {Duration(12345678), "12.3ms"},
		{Duration(2500 * time.Millisecond), "2.50s"}, {Bytes(512), "512 B"}, {Bytes(1536), "1.50 KiB"},
		{Bytes(3 << 30), "3.00 GiB"}, {Thousands(0), "0"}, {Thousands(999), "999"}, {Thousands(1000), "1,000"},
		{Thousands(1234567.6), "1,234,568"}, {Thousands(-45000), "-45,000"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestTableOslo: with an oslo.messaging row the table gains a ratio to it,
// and that row, served by other processes, shows none of this process's
// figures.
func TestTableOslo(t *testing.T) {
	r := bench.Report{Results: []bench.Result{
		{Strategy: bench.Baseline, Messages: 100, Elapsed: time.Second, MsgsPerSec: 8000},
		{Strategy: "pool", Messages: 100, Elapsed: time.Second, MsgsPerSec: 6000, PeakGoroutines: 50, AllocsPerMsg: 120},
		{Strategy: bench.Oslo, Messages: 100, Elapsed: time.Second, MsgsPerSec: 300, PeakGoroutines: 9, AllocsPerMsg: 0.5, Elsewhere: true},
	}}
	r.SetRatios()
	var buf bytes.Buffer
	if err := WriteTable(&buf, r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	if h := strings.Fields(lines[0]); h[len(h)-1] != "oslo" || h[len(h)-2] != "vs" {
		t.Errorf("header = %q, want it to end with vs oslo", lines[0])
	}
	pool, oslo := strings.Fields(lines[2]), strings.Fields(lines[3])
	if pool[len(pool)-1] != "20.00×" || pool[len(pool)-2] != "0.75×" {
		t.Errorf("pool row = %q, want 0.75× the baseline and 20.00× oslo", lines[2])
	}
	if oslo[0] != bench.Oslo+"†" || oslo[7] != "-" || oslo[9] != "-" || oslo[len(oslo)-1] != "1.00×" {
		t.Errorf("oslo row = %q, want marked, without process figures, 1.00× itself", lines[3])
	}
	if !strings.Contains(buf.String(), "† served by other processes") {
		t.Errorf("no note for the † row:\n%s", buf.String())
	}
}
