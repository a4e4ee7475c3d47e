package rpcexec_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
)

func TestValidateNamesKeyValueAndAllowed(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*rpcexec.Config)
		want   []string // all in the error text
	}{
		{"unknown executor", func(c *rpcexec.Config) { c.Executor = "eventlet" },
			[]string{"executor", `"eventlet"`, "blocking, goroutine, pool"}},
		{"pool size", func(c *rpcexec.Config) { c.ExecutorThreadPoolSize = 0 },
			[]string{"executor_thread_pool_size", "= 0", "want > 0"}},
		{"prefetch below pool", func(c *rpcexec.Config) { c.PrefetchCount = 10 },
			[]string{"rabbit_qos_prefetch_count", "= 10", "executor_thread_pool_size (64)"}},
		{"ack policy", func(c *rpcexec.Config) { c.AckPolicy = "sometimes" },
			[]string{"ack_policy", `"sometimes"`, `"after"`, `"before"`}},
		{"heartbeat rate", func(c *rpcexec.Config) { c.HeartbeatRate = 0 },
			[]string{"heartbeat_rate", "0"}},
		{"failover", func(c *rpcexec.Config) { c.KombuFailoverStrategy = "random" },
			[]string{"kombu_failover_strategy", `"random"`, "round-robin", "shuffle"}},
		{"two problems", func(c *rpcexec.Config) { c.PollTimeout = 0; c.RPCResponseTimeout = -1 },
			[]string{"poll_timeout", "rpc_response_timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := rpcexec.DefaultConfig()
			tt.modify(&cfg)
			err := cfg.Validate()
			if !errors.Is(err, rpcexec.ErrInvalidConfig) {
				t.Fatalf("got %v, want ErrInvalidConfig", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	def := rpcexec.DefaultConfig()
	if err := def.Validate(); err != nil {
		t.Errorf("DefaultConfig: %v, want valid", err)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		path    string
		env     map[string]string
		check   func(rpcexec.Config) bool
		wantErr string
	}{
		{"yaml", write("a.yaml", "executor: goroutine\nrpc_response_timeout: 5\npoll_timeout: 250ms\n"), nil,
			func(c rpcexec.Config) bool {
				return c.Executor == "goroutine" && c.RPCResponseTimeout.Std() == 5*time.Second &&
					c.PollTimeout.Std() == 250*time.Millisecond
			}, ""},
		{"json", write("b.json", `{"executor": "blocking", "heartbeat_timeout_threshold": 0.5, "amqp_durable_queues": true}`), nil,
			func(c rpcexec.Config) bool {
				return c.Executor == "blocking" && c.HeartbeatTimeoutThreshold.Std() == 500*time.Millisecond && c.AMQPDurableQueues
			}, ""},
		{"env overrides file", write("c.yaml", "executor: goroutine\n"),
			map[string]string{"RPCEXEC_EXECUTOR": "pool", "RPCEXEC_EXECUTOR_THREAD_POOL_SIZE": "8", "RPCEXEC_SSL": "true"},
			func(c rpcexec.Config) bool { return c.Executor == "pool" && c.ExecutorThreadPoolSize == 8 && c.SSL }, ""},
		{"unknown key", write("d.yaml", "executer: pool\n"), nil, nil, "executer"},
		{"bad duration", write("e.yaml", "poll_timeout: soon\n"), nil, nil, "soon"},
		{"bad env int", "", map[string]string{"RPCEXEC_HEARTBEAT_RATE": "three"}, nil, "heartbeat_rate (RPCEXEC_HEARTBEAT_RATE)"},
		{"invalid value", write("f.yaml", "executor: threading\n"), nil, nil, `executor = "threading"`},
		{"missing file", filepath.Join(dir, "none.yaml"), nil, nil, "none.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, err := rpcexec.LoadConfig(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(cfg) {
				t.Errorf("got %+v, not what the file and environment say", cfg)
			}
		})
	}
}
