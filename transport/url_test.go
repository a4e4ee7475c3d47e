package transport

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		hosts []Host
		vhost string
	}{
		{"multi-host with per-host credentials", "rabbit://u1:p1@h1:5673,u2:p2@h2/nova",
			[]Host{{"h1", 5673, "u1", "p1"}, {"h2", 5672, "u2", "p2"}}, "nova"},
		{"amqp default port", "amqp://guest:guest@broker/", []Host{{"broker", 5672, "guest", "guest"}}, "/"},
		{"amqps default port", "amqps://u:p@broker", []Host{{"broker", 5671, "u", "p"}}, "/"},
		{"empty path is vhost /", "rabbit://broker", []Host{{Hostname: "broker", Port: 5672}}, "/"},
		{"%2F is vhost /", "rabbit://u:p@broker/%2F", []Host{{"broker", 5672, "u", "p"}}, "/"},
		{"escaped vhost", "rabbit://u:p@broker/%2Fprod", []Host{{"broker", 5672, "u", "p"}}, "/prod"},
		{"escaped password", "rabbit://u:p%40ss%3A@broker/", []Host{{"broker", 5672, "u", "p@ss:"}}, "/"},
		{"raw @ in password", "rabbit://u:p@ss@broker/", []Host{{"broker", 5672, "u", "p@ss"}}, "/"},
		{"IPv6", "rabbit://u:p@[::1]:5673/", []Host{{"::1", 5673, "u", "p"}}, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := ParseURL(tt.raw)
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.raw, err)
			}
			if !reflect.DeepEqual(u.Hosts, tt.hosts) {
				t.Errorf("hosts: got %+v, want %+v", u.Hosts, tt.hosts)
			}
			if u.VHost != tt.vhost {
				t.Errorf("vhost: got %q, want %q", u.VHost, tt.vhost)
			}
		})
	}
}

func TestParseURLQuery(t *testing.T) {
	u, err := ParseURL("rabbit://u:p@h/?ssl=true&kombu_failover_strategy=shuffle")
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query.Get("ssl"); got != "true" {
		t.Errorf("query ssl: got %q, want true", got)
	}
}

func TestParseURLErrorsHidePassword(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"no scheme", "u:s3cret@h:5672/", "no scheme"},
		{"unknown scheme", "kafka://u:s3cret@h/", "unknown scheme"},
		{"bad port", "rabbit://u:s3cret@h:notaport/", "port"},
		{"port out of range", "rabbit://u:s3cret@h:70000/", "port"},
		{"empty host", "rabbit://u:s3cret@/", "host name is empty"},
		{"empty second host", "rabbit://u:s3cret@h1,/", "host 2"},
		{"bare IPv6", "rabbit://u:s3cret@::1/", "want host or host:port"},
		{"bad query", "rabbit://u:s3cret@h/?a=%zz", "options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseURL(tt.raw)
			if err == nil {
				t.Fatalf("ParseURL(%q): got no error", tt.raw)
			}
			if !errors.Is(err, ErrBadURL) {
				t.Errorf("got %v, want it to wrap ErrBadURL", err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error shows the password: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestURLStringRedacts(t *testing.T) {
	u, err := ParseURL("rabbit://u1:s3cret@h1,u2:s3cret@h2:5673/nova")
	if err != nil {
		t.Fatal(err)
	}
	want := "rabbit://u1:***@h1:5672,u2:***@h2:5673/nova"
	if got := u.String(); got != want {
		t.Errorf("String: got %q, want %q", got, want)
	}
}

// TestParseURLPasswordsOfAnyCharacter: a password holding any of / ? , @ # : %
// unescaped, or escaped, parses to the same password, and neither String,
// nor an error, nor the options show any part of it.
func TestParseURLPasswordsOfAnyCharacter(t *testing.T) {
	for _, pass := range []string{"s3/cr3t", "s3?cr3t", "s3,cr3t", "s3@cr3t", "s3#cr3t", "s3:cr3t", "s3%cr3t",
		"s3/?,@#:%cr3t", "s3cr3t?ssl", "a,b,c"} {
		for _, escaped := range []bool{false, true} {
			p := pass
			if escaped {
				p = url.QueryEscape(pass)
			}
			raw := "rabbit://nova:" + p + "@ctl1:5672,nova:" + p + "@ctl2/openstack?ssl=false"
			t.Run(raw, func(t *testing.T) {
				u, err := ParseURL(raw)
				if err != nil {
					t.Fatalf("ParseURL: %v", err)
				}
				if len(u.Hosts) != 2 || u.Hosts[0].Password != pass || u.Hosts[1].Password != pass ||
					u.Hosts[1].Hostname != "ctl2" || u.VHost != "openstack" || u.Query.Get("ssl") != "false" {
					t.Fatalf("got hosts %+v vhost %q query %v, want two hosts with password %q", u.Hosts, u.VHost, u.Query, pass)
				}
				if s := u.String(); strings.Contains(s, "cr3t") {
					t.Errorf("String shows the password: %s", s)
				}
			})
			bad := "rabbit://nova:" + p + "@ctl1:notaport/"
			if _, err := ParseURL(bad); err == nil || strings.Contains(err.Error(), "cr3t") || strings.Contains(err.Error(), "s3") {
				t.Errorf("ParseURL(%q): got %v, want an error not showing the password", bad, err)
			}
		}
	}
}
