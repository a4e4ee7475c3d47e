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
	oslo := false
	for _, res := range r.Results {
		oslo = oslo || res.VsOslo > 0
	}
	header := tableHeader
	if oslo {
		header = append(header[:len(header):len(header)], "vs oslo")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	var notes []string
	partial, elsewhere := false, false
	for _, res := range r.Results {
		name := res.Strategy
		if res.Partial {
			name += "*"
			partial = true
		}
		process := []string{strconv.FormatInt(res.PeakInFlight, 10), strconv.Itoa(res.PeakGoroutines),
			strconv.FormatFloat(res.AllocsPerMsg, 'f', 1, 64), strconv.FormatFloat(res.BytesPerMsg, 'f', 0, 64), Bytes(res.PeakHeap)}
		if res.Elsewhere {
			name += "†"
			elsewhere = true
			process = []string{"-", "-", "-", "-", "-"}
		}
		row := append([]string{name, strconv.FormatInt(res.Messages, 10), strconv.FormatFloat(res.Elapsed.Seconds(), 'f', 2, 64),
			Thousands(res.MsgsPerSec), Duration(res.P50), Duration(res.P95), Duration(res.P99)}, process...)
		row = append(row, ratio(res.VsBaseline))
		if oslo {
			row = append(row, ratio(res.VsOslo))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
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
	if elsewhere {
		notes = append(notes, "† served by other processes: in-flight, goroutines, allocations and heap are not measured")
	}
	notes = append(notes, r.Notes...)
	for _, n := range notes {
		if _, err := fmt.Fprintln(w, n); err != nil {
			return err
		}
	}
	return nil
}

// ratio prints a ratio to a reference row, or - without one.
func ratio(v float64) string {
	if v <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", v)
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
