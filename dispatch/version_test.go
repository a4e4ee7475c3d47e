package dispatch

import (
	"errors"
	"fmt"
	"testing"
)

func TestCompatible(t *testing.T) {
	tests := []struct {
		name            string
		impl, requested string
		want            bool
	}{
		{"same version", "2.5", "2.5", true},
		{"older minor", "2.5", "2.3", true},
		{"newer minor", "2.5", "2.6", false},
		{"minor compared as a number", "2.10", "2.9", true},
		{"minor compared as a number, reversed", "2.9", "2.10", false},
		{"other major, lower", "2.5", "1.0", false},
		{"other major, higher", "2.5", "3.0", false},
		{"revision at or below", "2.5.3", "2.5.3", true},
		{"revision below", "2.5.3", "2.5.1", true},
		{"revision above", "2.5.3", "2.5.4", false},
		{"revision ignored when minor is lower", "2.5.0", "2.4.9", true},
		{"missing revision is 0", "2.5", "2.5.0", true},
		{"revision above missing revision", "2.5", "2.5.1", false},
		{"empty impl is 1.0", "", "1.0", true},
		{"empty request is 1.0", "1.3", "", true},
		{"empty request against 2.0", "2.0", "", false},
		{"both empty", "", "", true},
		{"leading zeros are numbers", "1.02", "1.1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compatible(tt.impl, tt.requested)
			if err != nil {
				t.Fatalf("Compatible(%q, %q) error: %v", tt.impl, tt.requested, err)
			}
			if got != tt.want {
				t.Errorf("Compatible(%q, %q) = %v, want %v", tt.impl, tt.requested, got, tt.want)
			}
		})
	}
}

func TestCompatibleMalformed(t *testing.T) {
	tests := []struct {
		name            string
		impl, requested string
	}{
		{"major only requested, as oslo's IndexError", "2.0", "2"},
		{"major only implemented", "2", "2.0"},
		{"letters", "2.0", "two.zero"},
		{"empty minor", "2.0", "2."},
		{"empty major", "2.0", ".1"},
		{"four parts", "2.0", "2.0.0.1"},
		{"sign", "2.0", "+2.0"},
		{"negative", "2.0", "-2.0"},
		{"space", "2.0", " 2.0"},
		{"underscore", "2.0", "2_0.0"},
		{"too large for uint64", "2.0", "2.99999999999999999999"},
		{"empty revision", "2.0", "2.0."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compatible(tt.impl, tt.requested)
			if !errors.Is(err, ErrMalformedVersion) {
				t.Errorf("Compatible(%q, %q) = %v, %v; want ErrMalformedVersion", tt.impl, tt.requested, got, err)
			}
		})
	}
}

// FuzzParseVersion checks that parsing never panics and that what it accepts
// is exactly three decimal numbers that print back to an equivalent version.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"", "1.0", "2.5.3", "2", "a.b", "1..2", "1.2.3.4", "18446744073709551615.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseVersion(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedVersion) {
				t.Fatalf("parseVersion(%q) error %v does not wrap ErrMalformedVersion", s, err)
			}
			return
		}
		again, err := parseVersion(fmt.Sprintf("%d.%d.%d", v.major, v.minor, v.rev))
		if err != nil || again != v {
			t.Fatalf("parseVersion(%q) = %+v, printed and parsed again: %+v, %v", s, v, again, err)
		}
		if !v.accepts(v) {
			t.Fatalf("version %+v does not accept itself", v)
		}
	})
}
