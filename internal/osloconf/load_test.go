package osloconf

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// show renders a value as its typed conversion, or "error".
func show(v Value) string {
	var (
		x   any
		err error
	)
	switch v.Option.Kind {
	case Bool:
		x, err = v.Bool()
	case Int:
		x, err = v.Int()
	case Float:
		x, err = v.Float()
	case List:
		x, err = v.List()
	case MultiStr:
		x, err = v.Strings()
	default:
		x, err = v.String()
	}
	if err != nil {
		return "error"
	}
	if s, ok := x.([]string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(x)
}

// loadCase is a set of files and, per option they set, its value as show
// renders it.
type loadCase struct {
	name   string
	files  []string
	want   map[string]string
	goOnly string // why oslo differs, if it does
}

// loadCases are also run through oslo.config itself (TestLoadMatchesOslo).
var loadCases = []loadCase{
	{name: "later file wins", files: []string{"[DEFAULT]\nrpc_response_timeout = 5\n", "[DEFAULT]\nrpc_response_timeout = 7\n"},
		want: map[string]string{"DEFAULT.rpc_response_timeout": "7"}},
	{name: "last in a file wins", files: []string{"[DEFAULT]\ncontrol_exchange = a\n[x]\n[DEFAULT]\ncontrol_exchange = b\n"},
		want: map[string]string{"DEFAULT.control_exchange": "b"}},
	{name: "group names in any case but DEFAULT's", files: []string{"[OSLO_MESSAGING_RABBIT]\nheartbeat_rate = 7\n[default]\ncontrol_exchange = x\n"},
		want: map[string]string{"oslo_messaging_rabbit.heartbeat_rate": "7"}},
	{name: "multistr accumulates across files and names", files: []string{
		"[DEFAULT]\nnotification_driver = old\n[oslo_messaging_notifications]\ndriver = a\ndriver = b\n",
		"[oslo_messaging_notifications]\ndriver = c\n"},
		want: map[string]string{"oslo_messaging_notifications.driver": `["old" "a" "b" "c"]`}},
	{name: "own name beats a deprecated one in a file", files: []string{"[oslo_messaging_rabbit]\nssl = false\nrabbit_use_ssl = true\n"},
		want: map[string]string{"oslo_messaging_rabbit.ssl": "false"}},
	{name: "deprecated name in a later file wins", files: []string{"[oslo_messaging_rabbit]\nssl = false\n", "[oslo_messaging_rabbit]\nrabbit_use_ssl = yes\n"},
		want: map[string]string{"oslo_messaging_rabbit.ssl": "true"}},
	{name: "the driver reads its pool options from its group", files: []string{"[DEFAULT]\nrpc_conn_pool_size = 7\nconn_pool_ttl = 5\n"},
		want: map[string]string{"DEFAULT.rpc_conn_pool_size": "7", "DEFAULT.conn_pool_ttl": "5", "oslo_messaging_rabbit.rpc_conn_pool_size": "7"}},
	{name: "booleans", files: []string{"[oslo_messaging_rabbit]\nssl = Yes\namqp_durable_queues = ON\namqp_auto_delete = 0\nrabbit_ha_queues = y\nrabbit_quorum_queue =\n"},
		want: map[string]string{"oslo_messaging_rabbit.ssl": "true", "oslo_messaging_rabbit.amqp_durable_queues": "true",
			"oslo_messaging_rabbit.amqp_auto_delete": "false", "oslo_messaging_rabbit.rabbit_ha_queues": "error",
			"oslo_messaging_rabbit.rabbit_quorum_queue": "error"}},
	{name: "integers as Python reads them", files: []string{"[oslo_messaging_rabbit]\nheartbeat_rate = \"  12 \"\n" +
		"rabbit_retry_interval = \u0661\u0662\nrabbit_interval_max = 5.0\nrabbit_qos_prefetch_count =\nrpc_conn_pool_size = 0\n" +
		"heartbeat_timeout_threshold = 0x10\nrabbit_transient_queues_ttl = 1_800\nrabbit_retry_backoff = -3\n"},
		want: map[string]string{"oslo_messaging_rabbit.heartbeat_rate": "12", "oslo_messaging_rabbit.rabbit_retry_interval": "12",
			"oslo_messaging_rabbit.rabbit_interval_max": "error", "oslo_messaging_rabbit.rabbit_qos_prefetch_count": "error",
			"oslo_messaging_rabbit.rpc_conn_pool_size": "error", "oslo_messaging_rabbit.heartbeat_timeout_threshold": "error",
			"oslo_messaging_rabbit.rabbit_transient_queues_ttl": "1800", "oslo_messaging_rabbit.rabbit_retry_backoff": "-3"}},
	{name: "floats", files: []string{"[oslo_messaging_rabbit]\nkombu_reconnect_delay = 1_0.5e-1\n[oslo_messaging_kafka]\n" +
		"kafka_consumer_timeout = .5\nproducer_batch_timeout = 1E3\n"},
		want: map[string]string{"oslo_messaging_rabbit.kombu_reconnect_delay": "1.05",
			"oslo_messaging_kafka.kafka_consumer_timeout": "0.5", "oslo_messaging_kafka.producer_batch_timeout": "1000"}},
	{name: "float bounds", files: []string{"[oslo_messaging_rabbit]\nkombu_reconnect_delay = 4.6\n"},
		want: map[string]string{"oslo_messaging_rabbit.kombu_reconnect_delay": "error"}},
	{name: "choices are case-sensitive", files: []string{"[oslo_messaging_rabbit]\nkombu_failover_strategy = Shuffle\nrabbit_login_method = PLAIN\n"},
		want: map[string]string{"oslo_messaging_rabbit.kombu_failover_strategy": "error", "oslo_messaging_rabbit.rabbit_login_method": "PLAIN"}},
	{name: "lists", files: []string{"[oslo_messaging_notifications]\ntopics = \" , a , b,,\"\n"},
		want: map[string]string{"oslo_messaging_notifications.topics": `["" "a" "b"]`}},
	{name: "empty list", files: []string{"[oslo_messaging_notifications]\ntopics =\n"},
		want: map[string]string{"oslo_messaging_notifications.topics": `[]`}},
	{name: "substitution", files: []string{"[DEFAULT]\ncontrol_exchange = nova\ntransport_url = rabbit://u:pa$$word@h/$control_exchange\n" +
		"[oslo_messaging_rabbit]\nssl_ca_file = /x/${oslo_messaging_rabbit.ssl}/$heartbeat_rate/$rpc_conn_pool_size/$control_exchange\nssl = on\n"},
		want: map[string]string{"DEFAULT.control_exchange": "nova", "DEFAULT.transport_url": "rabbit://u:pa$word@h/nova",
			"oslo_messaging_rabbit.ssl_ca_file": "/x/True/2/30/nova", "oslo_messaging_rabbit.ssl": "true"}},
	{name: "backslash dollar and stray dollars", files: []string{"[DEFAULT]\ncontrol_exchange = a\\$b$1$ ${x $\n"},
		want: map[string]string{"DEFAULT.control_exchange": "a$b$1$ ${x $"}},
	{name: "str of other types", files: []string{"[DEFAULT]\ncontrol_exchange = " +
		"${oslo_messaging_rabbit.kombu_reconnect_delay}|${oslo_messaging_notifications.topics}|$rpc_ping_enabled|" +
		"${oslo_messaging_amqp.pre_settled}|${oslo_messaging_amqp.container_name}|$rpc_response_timeout\nrpc_response_timeout = 0_7\n"},
		want: map[string]string{"DEFAULT.control_exchange": "1.0|['notifications']|False|['rpc-cast', 'rpc-reply']||7",
			"DEFAULT.rpc_response_timeout": "7"}},
	{name: "unknown name after $", files: []string{"[DEFAULT]\ntransport_url = rabbit://u:pa$word@h/\n"},
		want: map[string]string{"DEFAULT.transport_url": "error"}},
	{name: "substitution loop", files: []string{"[DEFAULT]\ncontrol_exchange = $transport_url\ntransport_url = x$control_exchange\n"},
		want: map[string]string{"DEFAULT.control_exchange": "error", "DEFAULT.transport_url": "error"}},
	{name: "DEFAULT is no group to substitute from", files: []string{"[DEFAULT]\ncontrol_exchange = ${DEFAULT.rpc_response_timeout}\n"},
		want: map[string]string{"DEFAULT.control_exchange": "error"}},
	{name: "a deprecated name is no option to substitute", files: []string{"[oslo_messaging_rabbit]\nrabbit_use_ssl = true\nssl_ca_file = $rabbit_use_ssl\n"},
		want:   map[string]string{"oslo_messaging_rabbit.ssl": "true", "oslo_messaging_rabbit.ssl_ca_file": "error"},
		goOnly: "oslo finds ssl through its table of deprecated names, then reads it under [DEFAULT] and yields the default, False"},
	{name: "substitutions that multiply are cut short", files: []string{multiplying(30)},
		want:   map[string]string{"DEFAULT.control_exchange": "error"},
		goOnly: "oslo expands 2^30 times"},
	{name: "a service option from the files", files: []string{"[DEFAULT]\nmy_ip = 10.0.0.1\ncontrol_exchange = x-$my_ip\n"},
		want:   map[string]string{"DEFAULT.control_exchange": "x-10.0.0.1"},
		goOnly: "oslo resolves only registered options, and nova registers my_ip"},
}

// multiplying is a file whose control_exchange expands to 2^n lookups.
func multiplying(n int) string {
	var b strings.Builder
	b.WriteString("[DEFAULT]\ncontrol_exchange = $k0\n")
	for i := range n {
		fmt.Fprintf(&b, "k%d = $k%d$k%d\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "k%d =\n", n)
	return b.String()
}

func writeFiles(t *testing.T, contents []string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i, c := range contents {
		p := filepath.Join(dir, strconv.Itoa(i)+".conf")
		if err := os.WriteFile(p, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func shown(c *Config) map[string]string {
	got := make(map[string]string)
	for _, v := range c.Values() {
		got[v.Option.Group+"."+v.Option.Name] = show(v)
	}
	return got
}

func TestLoad(t *testing.T) {
	for _, tc := range loadCases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(writeFiles(t, tc.files)...)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := shown(c)
			for k, want := range tc.want {
				if got[k] != want {
					t.Errorf("%s: got %q, want %q", k, got[k], want)
				}
			}
			for k, g := range got {
				if _, ok := tc.want[k]; !ok {
					t.Errorf("%s: got %q, want it unset", k, g)
				}
			}
		})
	}
}
