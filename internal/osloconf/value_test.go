package osloconf

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestValueErrors(t *testing.T) {
	tests := []struct {
		name, in, group, key string
		want                 []string // substrings of the error
		notWant              string
	}{
		{name: "int", in: "[oslo_messaging_rabbit]\nheartbeat_rate = fast\n", group: RabbitGroup, key: "heartbeat_rate",
			want: []string{"x.conf:2: [oslo_messaging_rabbit] heartbeat_rate = \"fast\": want a whole number"}},
		{name: "int bound", in: "[oslo_messaging_rabbit]\nrpc_conn_pool_size = 0\n", group: RabbitGroup, key: "rpc_conn_pool_size",
			want: []string{`rpc_conn_pool_size = "0": want a whole number ≥ 1`}},
		{name: "empty int", in: "[DEFAULT]\nrpc_response_timeout =\n", group: DefaultGroup, key: "rpc_response_timeout",
			want: []string{"empty: oslo.config reads an empty number as None, not as the default; remove the line to get the default (60)"}},
		{name: "float bound", in: "[oslo_messaging_rabbit]\nkombu_reconnect_delay = 5\n", group: RabbitGroup, key: "kombu_reconnect_delay",
			want: []string{`kombu_reconnect_delay = "5": want a number from 0 to 4.5`}},
		{name: "bool", in: "[oslo_messaging_rabbit]\nssl = enabled\n", group: RabbitGroup, key: "ssl",
			want: []string{`ssl = "enabled": want true/false, yes/no, on/off or 1/0 (any case)`}},
		{name: "choice", in: "[oslo_messaging_rabbit]\nkombu_failover_strategy = random\n", group: RabbitGroup, key: "kombu_failover_strategy",
			want: []string{`kombu_failover_strategy = "random": want one of round-robin, shuffle (case matters)`}},
		{name: "deprecated name shown as written", in: "[oslo_messaging_rabbit]\nrabbit_use_ssl = maybe\n", group: RabbitGroup, key: "ssl",
			want: []string{`[oslo_messaging_rabbit] rabbit_use_ssl = "maybe"`}},
		{name: "secret substitution", in: "[DEFAULT]\ntransport_url = rabbit://nova:pw0$word@h/\n", group: DefaultGroup, key: "transport_url",
			want: []string{"x.conf:2: [DEFAULT] transport_url: a name after a \"$\" is unknown", "write $$ (or \\$) for a literal $"}, notWant: "pw0"},
		{name: "substitution names the variable", in: "[DEFAULT]\ncontrol_exchange = $nope\n", group: DefaultGroup, key: "control_exchange",
			want: []string{"$nope is not an oslo.messaging option and no file sets it"}},
		{name: "URL password in a non-secret value", in: "[oslo_messaging_rabbit]\nheartbeat_rate = amqp://u:pw0@h/\n", group: RabbitGroup, key: "heartbeat_rate",
			want: []string{`"amqp://u:***@h/"`}, notWant: "pw0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("x.conf", strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			v, ok := FromFiles(f).Lookup(tc.group, tc.key)
			if !ok {
				t.Fatalf("Lookup(%s, %s): got nothing", tc.group, tc.key)
			}
			if got := show(v); got != "error" {
				t.Fatalf("got %s, want an error", got)
			}
			err = typedErr(v)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q, want it to contain %q", err, w)
				}
			}
			if tc.notWant != "" && strings.Contains(err.Error(), tc.notWant) {
				t.Errorf("got %q, want no %q in it", err, tc.notWant)
			}
			if !errors.Is(err, ErrInvalidValue) && !errors.Is(err, ErrSubstitution) {
				t.Errorf("got %v, want ErrInvalidValue or ErrSubstitution", err)
			}
		})
	}
}

func typedErr(v Value) error {
	var err error
	switch v.Option.Kind {
	case Bool:
		_, err = v.Bool()
	case Int:
		_, err = v.Int()
	case Float:
		_, err = v.Float()
	default:
		_, err = v.String()
	}
	return err
}

func TestParseBool(t *testing.T) {
	for _, s := range []string{"true", "TRUE", "Yes", "on", "1"} {
		if b, err := ParseBool(s); !b || err != nil {
			t.Errorf("ParseBool(%q): got %v, %v, want true", s, b, err)
		}
	}
	for _, s := range []string{"false", "No", "OFF", "0"} {
		if b, err := ParseBool(s); b || err != nil {
			t.Errorf("ParseBool(%q): got %v, %v, want false", s, b, err)
		}
	}
	for _, s := range []string{"", " true", "y", "t", "2", "enabled", "tru\u212a"} {
		if _, err := ParseBool(s); err == nil {
			t.Errorf("ParseBool(%q): got no error, want one", s)
		}
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {" 42\t", 42, true}, {"+7", 7, true}, {"-7", -7, true}, {"007", 7, true},
		{"1_000", 1000, true}, {"\u0661\u0662", 12, true}, {"\u00a012\x1c", 12, true},
		{"", 0, false}, {"  ", 0, false}, {"1.0", 0, false}, {"0x10", 0, false}, {"_1", 0, false},
		{"1_", 0, false}, {"1__0", 0, false}, {"1e3", 0, false}, {"- 1", 0, false}, {"99999999999999999999", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseInt(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseInt(%q): got %d, %v, want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true}, {" 1.5 ", 1.5, true}, {".5", .5, true}, {"5.", 5, true}, {"1e3", 1000, true},
		{"1_0.2_5", 10.25, true}, {"-2.5E-1", -.25, true}, {"Infinity", math.Inf(1), true}, {"-inf", math.Inf(-1), true},
		{"1e400", math.Inf(1), true}, {"\u0661.\u0665", 1.5, true},
		{"", 0, false}, {".", 0, false}, {"1._5", 0, false}, {"0x1p3", 0, false}, {"1e", 0, false}, {"one", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseFloat(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseFloat(%q): got %v, %v, want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if got, err := ParseFloat("NaN"); err != nil || !math.IsNaN(got) {
		t.Errorf("ParseFloat(NaN): got %v, %v, want NaN", got, err)
	}
}

func TestParseList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}}, {" , ", []string{}}, {" ,a", []string{"", "a"}}, {"a", []string{"a"}}, {"a, b ,c", []string{"a", "b", "c"}},
		{"a,b,,", []string{"a", "b"}}, {",a", []string{"", "a"}}, {"a,,b", []string{"a", "", "b"}},
		{"'a,b'", []string{"'a", "b'"}}, {"a,\nb", []string{"a", "b"}},
	}
	for _, tc := range tests {
		if got := ParseList(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("ParseList(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPyFloatRepr(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1.0"}, {1.05, "1.05"}, {1e15, "1000000000000000.0"}, {1e16, "1e+16"}, {0.0001, "0.0001"},
		{0.00001, "1e-05"}, {math.Copysign(0, -1), "-0.0"}, {1.5e300, "1.5e+300"}, {math.Inf(-1), "-inf"},
	}
	for _, tc := range tests {
		if got := pyFloatRepr(tc.in); got != tc.want {
			t.Errorf("pyFloatRepr(%v): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMaskUserinfo(t *testing.T) {
	tests := []struct{ in, want string }{
		{"rabbit://nova:pw0@ctl1:5672,nova:pw1@ctl2:5672/", "rabbit://nova:***@ctl1:5672,nova:***@ctl2:5672/"},
		{"amqp://u:p w,x@h/", "amqp://u:***@h/"},
		{"rabbit://ctl1:5672/", "rabbit://ctl1:5672/"},
		{"no url", "no url"},
	}
	for _, tc := range tests {
		if got := maskUserinfo(tc.in); got != tc.want {
			t.Errorf("maskUserinfo(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestZeroValue(t *testing.T) {
	var v Value // what a failed Lookup returns
	if _, err := v.Int(); !errors.Is(err, errUnset) {
		t.Errorf("Int: got %v, want errUnset", err)
	}
	if _, err := v.Strings(); !errors.Is(err, errUnset) {
		t.Errorf("Strings: got %v, want errUnset", err)
	}
	if o := v.Origin(); o != (Origin{}) || v.Raw() != "" {
		t.Errorf("Origin, Raw: got %v, %q, want zero", o, v.Raw())
	}
}

func TestCanonical(t *testing.T) {
	f, err := Parse("x.conf", strings.NewReader("[DEFAULT]\nrpc_response_timeout = \" 1_20 \"\ncontrol_exchange = nova\n"+
		"[oslo_messaging_rabbit]\nssl = YES\nkombu_reconnect_delay = .5\nheartbeat_rate = x\n"+
		"[oslo_messaging_notifications]\ntopics = a , b,\ndriver = log\ndriver = noop\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := FromFiles(f)
	tests := []struct{ group, name, want string }{
		{DefaultGroup, "rpc_response_timeout", "120"},
		{DefaultGroup, "control_exchange", "nova"},
		{RabbitGroup, "ssl", "true"},
		{RabbitGroup, "kombu_reconnect_delay", "0.5"},
		{RabbitGroup, "heartbeat_rate", "error"},
		{"oslo_messaging_notifications", "topics", "a,b"},
		{"oslo_messaging_notifications", "driver", "log,noop"},
	}
	for _, tc := range tests {
		v, _ := c.Lookup(tc.group, tc.name)
		got, err := v.Canonical()
		if err != nil {
			got = "error"
		}
		if got != tc.want {
			t.Errorf("[%s] %s: got %q (%v), want %q", tc.group, tc.name, got, err, tc.want)
		}
	}
}
