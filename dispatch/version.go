package dispatch

import (
	"fmt"
	"strconv"
	"strings"
)

// defaultVersion is what oslo.messaging assumes when a target or a request
// carries no version.
const defaultVersion = "1.0"

// version is a parsed MAJOR.MINOR[.REVISION]; endpoints parse theirs once so
// that Dispatch only compares integers.
type version struct{ major, minor, rev uint64 }

// parseVersion parses MAJOR.MINOR[.REVISION] in decimal digits; "" means
// "1.0". oslo.messaging fails on "2" (no minor) and on non-numeric parts, so
// those are malformed here too, with an error naming the string instead of
// Python's IndexError or ValueError.
func parseVersion(s string) (version, error) {
	if s == "" {
		s = defaultVersion
	}
	major, rest, ok := strings.Cut(s, ".")
	if !ok {
		return version{}, fmt.Errorf("%w: %q: missing minor version", ErrMalformedVersion, s)
	}
	minor, rev, hasRev := strings.Cut(rest, ".")
	if !hasRev {
		rev = "0"
	}
	var v version
	var err error
	if v.major, err = parsePart(s, major); err != nil {
		return version{}, err
	}
	if v.minor, err = parsePart(s, minor); err != nil {
		return version{}, err
	}
	if v.rev, err = parsePart(s, rev); err != nil {
		return version{}, err
	}
	return v, nil
}

// parsePart parses one part of version s. ParseUint in base 10 takes ASCII
// digits only: no sign, space or underscore, unlike Python's int.
func parsePart(s, part string) (uint64, error) {
	n, err := strconv.ParseUint(part, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: want MAJOR.MINOR[.REVISION] in decimal digits", ErrMalformedVersion, s)
	}
	return n, nil
}

// accepts reports whether an implementation at v can serve a request for
// want: same major, and want's minor (then revision) not newer than v's.
func (v version) accepts(want version) bool {
	if want.major != v.major {
		return false
	}
	if want.minor != v.minor {
		return want.minor < v.minor
	}
	return want.rev <= v.rev
}

// Compatible reports whether an implementation at version impl can serve a
// request for version requested, by oslo.messaging's version_is_compatible
// rule. An empty version means "1.0". A client can use it to check a request
// against its version cap.
func Compatible(impl, requested string) (bool, error) {
	have, err := parseVersion(impl)
	if err != nil {
		return false, err
	}
	want, err := parseVersion(requested)
	if err != nil {
		return false, err
	}
	return have.accepts(want), nil
}
