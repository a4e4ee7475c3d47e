package osloconf

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, fails only with a *SyntaxError on a line
// of the input, and what it accepts resolves and converts without panics.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	for _, tc := range loadCases {
		f.Add(strings.Join(tc.files, "\n"))
	}
	f.Add("[DEFAULT]\ntransport_url = rabbit://a:b@h/$x${y}$$\n[oslo_messaging_rabbit]\nheartbeat_rate = \"\n")
	f.Fuzz(func(t *testing.T, in string) {
		file, err := Parse("fuzz.conf", strings.NewReader(in))
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %T %v, want a *SyntaxError", err, err)
			}
			if lines := strings.Count(in, "\n") + strings.Count(in, "\r") + 1; se.Line < 1 || se.Line > lines {
				t.Fatalf("error on line %d of an input of %d lines", se.Line, lines)
			}
			_ = se.Error()
			return
		}
		c := FromFiles(file)
		_ = c.Err()
		_ = c.Unused("transport_url")
		for _, v := range c.Values() {
			_, _ = v.String()
			_, _ = v.Strings()
			_, _ = v.Bool()
			_, _ = v.Int()
			_, _ = v.Float()
			_, _ = v.List()
		}
	})
}

// FuzzConvert: the conversions never panic.
func FuzzConvert(f *testing.F) {
	for _, s := range []string{"", "1", " +1_0 ", "1e400", "-inf", ".", "\u0661", "a,b,,", "yes"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseBool(s)
		_, _ = ParseInt(s)
		_, _ = ParseFloat(s)
		_ = ParseList(s)
		_ = DetectFormat("x", []byte(s))
		_ = maskUserinfo(s)
		_ = pyStrRepr(s)
	})
}
