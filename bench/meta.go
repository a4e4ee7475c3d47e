package bench

import (
	"runtime"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/transport"
)

// RunInfo says when and on what a report was measured, so that saved results
// can be compared.
type RunInfo struct {
	Time       time.Time `json:"time"`
	Version    string    `json:"version"` // rpcexec.Version
	GoVersion  string    `json:"go_version"`
	OS         string    `json:"os"`
	Arch       string    `json:"arch"`
	CPUs       int       `json:"cpus"`
	GOMAXPROCS int       `json:"gomaxprocs"`
}

// ThisRun describes a run starting now, in this process.
func ThisRun() RunInfo {
	return RunInfo{
		Time: time.Now().UTC().Truncate(time.Second), Version: rpcexec.Version, GoVersion: runtime.Version(),
		OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
}

// Params are a workload as fields (after defaults), for saved results.
type Params struct {
	URL        string        `json:"url"` // without passwords
	Exchange   string        `json:"exchange"`
	Mode       string        `json:"mode"`
	Messages   int           `json:"messages"`
	Duration   time.Duration `json:"duration_ns"`
	Publishers int           `json:"publishers"`
	Window     int           `json:"window"`
	Servers    int           `json:"servers"`
	Work       string        `json:"work"`
	Payload    int           `json:"payload_bytes"`
	Prefill    bool          `json:"prefill"`
	PoolSize   int           `json:"pool_size"` // 0: executor_thread_pool_size's default
	Prefetch   int           `json:"prefetch"`  // 0: derived from the executor
	Ack        string        `json:"ack"`
}

// Params returns w's parameters as fields.
func (w Workload) Params() Params {
	w = w.defaults()
	url := w.URL
	if u, err := transport.ParseURL(w.URL); err == nil {
		url = u.String()
	}
	exchange := w.Exchange
	if exchange == "" {
		exchange = transport.DefaultExchange
	}
	return Params{
		URL: url, Exchange: exchange, Mode: w.Mode, Messages: w.Messages, Duration: w.Duration,
		Publishers: w.Publishers, Window: w.Window, Servers: w.Servers, Work: w.Work.String(),
		Payload: w.Payload, Prefill: w.Prefill, PoolSize: w.PoolSize, Prefetch: w.Prefetch, Ack: w.Ack,
	}
}
