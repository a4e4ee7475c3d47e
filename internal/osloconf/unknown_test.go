package osloconf

import (
	"errors"
	"strings"
	"testing"
)

func TestUnknown(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // one substring per reported entry, in order
	}{
		{name: "service sections and keys are not ours", in: "[DEFAULT]\nmy_ip = 1.2.3.4\ntransport_ulr = x\n[database]\nconnection = x\n"},
		{name: "typo in a rabbit key", in: "[oslo_messaging_rabbit]\nrabit_retry_interval = 1\n",
			want: []string{"x.conf:2: [oslo_messaging_rabbit] rabit_retry_interval is not an oslo.messaging 14.0.3 option, so it has no effect (did you mean rabbit_retry_interval?)"}},
		{name: "typo in a group of any case", in: "[Oslo_Messaging_Notifications]\ndrivers = log\n",
			want: []string{"[Oslo_Messaging_Notifications] drivers is not an oslo.messaging 14.0.3 option, so it has no effect (did you mean driver?)"}},
		{name: "later spelling of a quorum option", in: "[oslo_messaging_rabbit]\nrabbit_quorum_max_memory_length = 5\n",
			want: []string{"(did you mean rabbit_quroum_max_memory_length?); oslo.messaging 14.0.3 spells it"}},
		{name: "option of another group", in: "[oslo_messaging_rabbit]\ntransport_url = rabbit://\n",
			want: []string{"transport_url is an option of [DEFAULT]"}},
		{name: "nothing close", in: "[oslo_messaging_rabbit]\nzzzzzzzzzz = 1\n",
			want: []string{"zzzzzzzzzz is not an oslo.messaging 14.0.3 option, so it has no effect: correct or remove it"}},
		{name: "deprecated names are known", in: "[oslo_messaging_rabbit]\nrabbit_use_ssl = true\nkombu_reconnect_timeout = 5\n"},
		{name: "typo in a group name, reported once", in: "[oslo_messaging_rabit]\na = 1\nb = 2\n",
			want: []string{"x.conf:2: [oslo_messaging_rabit] is not an oslo.messaging 14.0.3 group, so its options have no effect (did you mean [oslo_messaging_rabbit]?)"}},
		{name: "header of a removed driver alone is harmless", in: "[oslo_messaging_zmq]\n#rpc_zmq_host = x\n"},
		{name: "removed driver with keys", in: "[oslo_messaging_zmq]\nrpc_zmq_host = x\n",
			want: []string{"[oslo_messaging_zmq] is not an oslo.messaging 14.0.3 group"}},
		{name: "lower-case default", in: "[default]\ntransport_url = rabbit://u:pw0@h/\nmy_ip = 1\n",
			want: []string{"[default] transport_url is not an oslo.messaging 14.0.3 option, so it has no effect (did you mean [DEFAULT] transport_url?); oslo.config reads every section name but DEFAULT in lower case"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("x.conf", strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			c := FromFiles(f)
			if len(c.Unknown) != len(tc.want) {
				t.Fatalf("got %d unknown: %v, want %d", len(c.Unknown), c.Err(), len(tc.want))
			}
			for i, u := range c.Unknown {
				if !strings.Contains(u.Error(), tc.want[i]) {
					t.Errorf("got %q, want it to contain %q", u, tc.want[i])
				}
				if strings.Contains(u.Error(), "pw0") {
					t.Errorf("got %q, want no value in it", u)
				}
			}
			if err := c.Err(); (err != nil) != (len(tc.want) > 0) || (err != nil && !errors.Is(err, ErrUnknownOption)) {
				t.Errorf("Err: got %v, want an ErrUnknownOption exactly when entries are reported", err)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	names := []string{"rabbit_retry_interval", "rabbit_retry_backoff", "ssl", "ssl_ca_file"}
	tests := []struct{ in, want string }{
		{"rabit_retry_interval", "rabbit_retry_interval"},
		{"rabbit_retry_intreval", "rabbit_retry_interval"},
		{"rabbit_retry_backof", "rabbit_retry_backoff"},
		{"sl", "ssl"},
		{"ssl_ca", ""}, // three edits from ssl, five from ssl_ca_file: too far
		{"completely_else", ""},
	}
	for _, tc := range tests {
		if got := closest(tc.in, names); got != tc.want {
			t.Errorf("closest(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "ab", 2}, {"abc", "abc", 0},
		{"quorum", "quroum", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q): got %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
