package rpcexec_test

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/dispatch"
	"github.com/rpcexec/rpcexec/internal/osloconf"
	"github.com/rpcexec/rpcexec/internal/syncbuf"
)

const novaConf = "testdata/openstack/nova.conf"

// TestLoadNovaConf: an OpenStack service's own file loads as it is; the
// messaging options rpcexec has are taken from [DEFAULT] and
// [oslo_messaging_rabbit], the rest are noted, not errors.
func TestLoadNovaConf(t *testing.T) {
	cfg, err := rpcexec.LoadConfigFiles(novaConf)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TransportURL != "rabbit://nova:secret@ctl1:5672,nova:secret@ctl2:5672/" || cfg.ControlExchange != "nova" ||
		cfg.RPCResponseTimeout.Std() != 120*time.Second || cfg.ExecutorThreadPoolSize != 32 ||
		!cfg.AMQPDurableQueues || cfg.HeartbeatTimeoutThreshold.Std() != 30*time.Second || cfg.HeartbeatRate != 3 ||
		cfg.RabbitRetryInterval.Std() != 2*time.Second || cfg.RabbitRetryBackoff.Std() != 4*time.Second ||
		cfg.KombuFailoverStrategy != "shuffle" || cfg.PrefetchCount != 64 || cfg.SSL ||
		cfg.RabbitQuorumMaxMemoryLength != 1000 {
		t.Errorf("got %+v, not what nova.conf says", cfg)
	}
	if cfg.Executor != rpcexec.DefaultConfig().Executor || cfg.RPCConnPoolSize != 30 {
		t.Errorf("got executor %q, pool %d: want the defaults for what nova.conf leaves out", cfg.Executor, cfg.RPCConnPoolSize)
	}
	n := cfg.Notes()
	want := "oslo_messaging_notifications.driver oslo_messaging_notifications.topics " +
		"oslo_messaging_rabbit.kombu_reconnect_delay oslo_messaging_rabbit.rabbit_ha_queues"
	if got := strings.Join(n.Unimplemented, " "); got != want {
		t.Errorf("Unimplemented:\ngot  %s\nwant %s", got, want)
	}
	if len(n.Unknown) != 0 || len(n.Files) != 1 || n.Files[0] != novaConf {
		t.Errorf("notes: got %+v, want no typos and the file", n)
	}
}

func writeConf(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadConfigFilesOrder: later files win whatever their format, and the
// environment wins over every file.
func TestLoadConfigFilesOrder(t *testing.T) {
	ini1 := writeConf(t, "a.conf", "[DEFAULT]\nrpc_response_timeout = 10\nexecutor_thread_pool_size = 8\n"+
		"[oslo_messaging_rabbit]\nheartbeat_rate = 4\n")
	yml := writeConf(t, "b.yaml", "rpc_response_timeout: 20\nheartbeat_rate: 5\nexecutor: goroutine\n")
	ini2 := writeConf(t, "c.ini", "[oslo_messaging_rabbit]\nheartbeat_rate = 6\nrabbit_quroum_max_memory_bytes = 9\n")
	t.Setenv("RPCEXEC_EXECUTOR_THREAD_POOL_SIZE", "16")
	cfg, err := rpcexec.LoadConfigFiles(ini1, yml, ini2)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RPCResponseTimeout.Std() != 20*time.Second || cfg.HeartbeatRate != 6 || cfg.Executor != "goroutine" ||
		cfg.ExecutorThreadPoolSize != 16 || cfg.RabbitQuorumMaxMemoryBytes != 9 {
		t.Errorf("got timeout %s, rate %d, executor %s, pool %d, bytes %d; want 20s, 6, goroutine, 16, 9",
			cfg.RPCResponseTimeout, cfg.HeartbeatRate, cfg.Executor, cfg.ExecutorThreadPoolSize, cfg.RabbitQuorumMaxMemoryBytes)
	}
}

func TestLoadConfigFilesYAMLAlias(t *testing.T) {
	cfg, err := rpcexec.LoadConfigFiles(writeConf(t, "q.yaml", "rabbit_quroum_max_memory_length: 3\n"))
	if err != nil || cfg.RabbitQuorumMaxMemoryLength != 3 {
		t.Fatalf("got %d, %v; want oslo 14.0.3's spelling read as rabbit_quorum_max_memory_length = 3",
			cfg.RabbitQuorumMaxMemoryLength, err)
	}
	_, err = rpcexec.LoadConfigFiles(writeConf(t, "q.yaml",
		"rabbit_quroum_max_memory_length: 3\nrabbit_quorum_max_memory_length: 4\n"))
	if !errors.Is(err, rpcexec.ErrInvalidConfig) || !strings.Contains(err.Error(), "keep one") {
		t.Errorf("both spellings: got %v, want an error asking to keep one", err)
	}
}

// TestLoadConfigFilesBadInput: what an operator gets wrong, and what the
// error says about it.
func TestLoadConfigFilesBadInput(t *testing.T) {
	tests := []struct {
		name, file, text string
		want             []string
		is               error
	}{
		{"malformed line", "bad.conf", "[DEFAULT]\ndebug = true\nthis is not an option\n",
			[]string{"bad.conf:3"}, osloconf.ErrSyntax},
		{"wrong type", "bad.conf", "[DEFAULT]\n\n[oslo_messaging_rabbit]\nheartbeat_rate = often\n",
			[]string{"bad.conf:4", "[oslo_messaging_rabbit] heartbeat_rate", `"often"`, "want a whole number"},
			osloconf.ErrInvalidValue},
		{"not a choice", "bad.conf", "[oslo_messaging_rabbit]\nkombu_failover_strategy = random\n",
			[]string{"bad.conf:2", "kombu_failover_strategy", `"random"`, "round-robin, shuffle"}, osloconf.ErrInvalidValue},
		{"bool", "bad.conf", "[oslo_messaging_rabbit]\namqp_durable_queues = sure\n",
			[]string{"bad.conf:2", "amqp_durable_queues", `"sure"`, "true/false"}, osloconf.ErrInvalidValue},
		{"secret not shown", "bad.conf", "[DEFAULT]\ntransport_url = rabbit://u:hunter2@h:5672/\nrpc_response_timeout = x\n",
			[]string{"bad.conf:3", "rpc_response_timeout"}, osloconf.ErrInvalidValue},
		{"unknown yaml key", "bad.yaml", "executer: pool\n", []string{"bad.yaml", "executer"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rpcexec.LoadConfigFiles(writeConf(t, tt.file, tt.text))
			if !errors.Is(err, rpcexec.ErrInvalidConfig) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("got %v, want ErrInvalidConfig wrapping %v", err, tt.is)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q, want it to say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("got %q, which shows a password", err)
			}
		})
	}
}

// TestLoadConfigFilesTypos: a key oslo.messaging does not have in an
// [oslo_messaging_*] section is noted with file, line, section and key,
// and the file still loads, as it does for the service itself.
func TestLoadConfigFilesTypos(t *testing.T) {
	path := writeConf(t, "typo.conf", "[DEFAULT]\ncontrol_exchange = nova\n[oslo_messaging_rabbit]\n"+
		"amqp_durable_queue = true\n[oslo_messaging_rabit]\nssl = true\n")
	cfg, err := rpcexec.LoadConfigFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ControlExchange != "nova" || cfg.AMQPDurableQueues || cfg.SSL {
		t.Errorf("got %+v: want control_exchange nova and the misspelt options without effect", cfg)
	}
	u := cfg.Notes().Unknown
	if len(u) != 2 {
		t.Fatalf("Unknown: got %v, want the misspelt key and section", u)
	}
	for i, want := range []string{path + ":4: [oslo_messaging_rabbit] amqp_durable_queue", "[oslo_messaging_rabit]"} {
		if !strings.Contains(u[i].Error(), want) || !errors.Is(u[i], osloconf.ErrUnknownOption) {
			t.Errorf("Unknown[%d]: got %q, want it to name %q", i, u[i], want)
		}
	}
}

func TestConfigFilesFromDir(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"10-messaging.conf": "[DEFAULT]\nrpc_response_timeout = 7\n",
		"20-local.conf":     "[DEFAULT]\nrpc_response_timeout = 8\n",
		"README":            "not read",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, err := rpcexec.ConfigFiles([]string{novaConf}, dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := rpcexec.LoadConfigFiles(files...)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 || cfg.RPCResponseTimeout.Std() != 8*time.Second {
		t.Errorf("got files %q and timeout %s, want nova.conf then the directory's two .conf files, the last winning",
			files, cfg.RPCResponseTimeout)
	}
}

// TestConfigNotesLoggedOnce: the options rpcexec does not implement are
// named in one line, once per loaded configuration, however many servers
// and clients are made of it.
func TestConfigNotesLoggedOnce(t *testing.T) {
	cfg, err := rpcexec.LoadConfigFiles(novaConf,
		writeConf(t, "local.conf", "[DEFAULT]\ntransport_url = memory://notes\n[oslo_messaging_rabbit]\nrabbit_ha_queue = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	var log syncbuf.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&log, nil))
	d := dispatch.New(dispatch.NewEndpoint(dispatch.Target{}))
	for _, server := range []string{"a", "b"} {
		if _, err := rpcexec.NewServer(cfg, rpcexec.Target{Topic: "t", Server: server}, d); err != nil {
			t.Fatal(err)
		}
	}
	c, err := rpcexec.NewClient(cfg, rpcexec.Target{Topic: "t"})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "rabbit_ha_queues") || !strings.Contains(lines[0], "kombu_reconnect_delay") ||
		!strings.Contains(lines[1], "local.conf:4: [oslo_messaging_rabbit] rabbit_ha_queue") || !strings.Contains(lines[1], "did you mean rabbit_ha_queues") {
		t.Errorf("got log:\n%s\nwant one line naming the unimplemented options, one naming the typo", log.String())
	}
}
