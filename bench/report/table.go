package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rpcexec/rpcexec/bench"
)

// Formats Write accepts.
const (
	Table = "table"
	JSON  = "json"
	CSV   = "csv"
)

// Formats lists the formats Write accepts.
var Formats = []string{Table, JSON, CSV}

// Write renders r in format.
func Write(w io.Writer, format string, r bench.Report) error {
	switch format {
	case Table:
		return WriteTable(w, r)
	case JSON:
		return WriteJSON(w, r)
	case CSV:
		return WriteCSV(w, r)
	}
	return fmt.Errorf("report: unknown format %q: want %s", format, strings.Join(Formats, ", "))
}

// tableHeader names the table's columns; the latency is from publish to
// handled, allocations are the process's per handled message.
var tableHeader = []string{"strategy", "messages", "seconds", "msgs/s", "p50", "p95", "p99",
	"in-flight", "goroutines", "allocs/msg", "B/msg", "peak heap", "vs baseline"}

// WriteTable writes r as an aligned table under a line describing the
// workload, with notes for interrupted runs and per-server counts.
func WriteTable(w io.Writer, r bench.Report) error {
	if r.Workload != "" {
		if _, err := fmt.Fprintf(w, "workload: %s\n\n", r.Workload); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(tableHeader, "\t")+"\t")
	var notes []string
	partial := false
	for _, res := range r.Results {
		name := res.Strategy
		if res.Partial {
			name += "*"
			partial = true
		}
		vs := "-"
		if res.VsBaseline > 0 {
			vs = fmt.Sprintf("%.2f×", res.VsBaseline)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%s\t%s\t%s\t%s\t%d\t%d\t%.1f\t%.0f\t%s\t%s\t\n",
			name, res.Messages, res.Elapsed.Seconds(), Thousands(res.MsgsPerSec),
			Duration(res.P50), Duration(res.P95), Duration(res.P99),
			res.PeakInFlight, res.PeakGoroutines, res.AllocsPerMsg, res.BytesPerMsg, Bytes(res.PeakHeap), vs)
		if len(res.PerServer) > 0 {
			counts := make([]string, len(res.PerServer))
			for i, n := range res.PerServer {
				counts[i] = strconv.FormatInt(n, 10)
			}
			notes = append(notes, fmt.Sprintf("%s handled per server: %s", res.Strategy, strings.Join(counts, ", ")))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if partial {
		notes = append(notes, "* interrupted: the figures cover what was handled until then")
	}
	notes = append(notes, r.Notes...)
	for _, n := range notes {
		if _, err := fmt.Fprintln(w, n); err != nil {
			return err
		}
	}
	return nil
}

// Duration prints d with three significant digits in a fitting unit.
func Duration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return trim(float64(d)/float64(time.Microsecond)) + "µs"
	case d < time.Second:
		return trim(float64(d)/float64(time.Millisecond)) + "ms"
	}
	return trim(d.Seconds()) + "s"
}

// trim keeps three significant digits.
func trim(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// Bytes prints n in binary units.
func Bytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 3 {
		v /= unit
		i++
	}
	return trim(v) + " " + []string{"KiB", "MiB", "GiB", "TiB"}[i]
}

// Thousands prints v rounded, with commas between groups of three digits.
func Thousands(v float64) string {
	s := strconv.FormatFloat(v, 'f', 0, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
