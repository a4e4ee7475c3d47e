package report

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/rpcexec/rpcexec/bench"
)

// WriteJSON writes r as one indented JSON object: the workload line and
// the results, durations in nanoseconds and sizes in bytes.
func WriteJSON(w io.Writer, r bench.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// CSVHeader is the first record WriteCSV writes; the names are the JSON
// keys of bench.Result.
var CSVHeader = []string{"strategy", "messages", "elapsed_ns", "msgs_per_sec", "p50_ns", "p95_ns", "p99_ns",
	"max_ns", "peak_in_flight", "peak_goroutines", "allocs_per_msg", "bytes_per_msg", "peak_heap_bytes", "vs_baseline",
	"per_server", "partial",
	// The workload and the run, repeated on every record so that rows of
	// saved files compare on their own.
	"url", "exchange", "mode", "workload_messages", "duration_ns", "publishers", "window", "servers", "work",
	"payload_bytes", "prefill", "pool_size", "prefetch", "ack",
	"time", "version", "go_version", "os", "arch", "cpus", "gomaxprocs"}

// WriteCSV writes one record per result after CSVHeader; per_server
// counts are joined with ";".
func WriteCSV(w io.Writer, r bench.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, res := range r.Results {
		per := make([]string, len(res.PerServer))
		for i, n := range res.PerServer {
			per[i] = strconv.FormatInt(n, 10)
		}
		rec := []string{
			res.Strategy, strconv.FormatInt(res.Messages, 10), strconv.FormatInt(int64(res.Elapsed), 10),
			f(res.MsgsPerSec), strconv.FormatInt(int64(res.P50), 10), strconv.FormatInt(int64(res.P95), 10),
			strconv.FormatInt(int64(res.P99), 10), strconv.FormatInt(int64(res.Max), 10),
			strconv.FormatInt(res.PeakInFlight, 10), strconv.Itoa(res.PeakGoroutines), f(res.AllocsPerMsg), f(res.BytesPerMsg),
			strconv.FormatUint(res.PeakHeap, 10), f(res.VsBaseline), strings.Join(per, ";"),
			strconv.FormatBool(res.Partial),
		}
		rec = append(rec, paramsRecord(r.Params, r.Run)...)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// paramsRecord is the workload and run columns of CSVHeader.
func paramsRecord(p bench.Params, run bench.RunInfo) []string {
	itoa := strconv.Itoa
	return []string{p.URL, p.Exchange, p.Mode, itoa(p.Messages), strconv.FormatInt(int64(p.Duration), 10),
		itoa(p.Publishers), itoa(p.Window), itoa(p.Servers), p.Work, itoa(p.Payload), strconv.FormatBool(p.Prefill),
		itoa(p.PoolSize), itoa(p.Prefetch), p.Ack,
		run.Time.Format(time.RFC3339), run.Version, run.GoVersion, run.OS, run.Arch, itoa(run.CPUs), itoa(run.GOMAXPROCS)}
}
