package osloconf

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// The conversions of oslo_config.types, for callers that hold a text
// without an Origin (an environment variable, a flag). Value's methods use
// them and add where the text was written and what the option allows.

var errEmptyNumber = errors.New("empty")

// ParseBool is oslo.config's Boolean: true, 1, on, yes and false, 0, off,
// no, in any case, nothing else (no surrounding spaces either).
func ParseBool(s string) (bool, error) {
	switch asciiLower(s) {
	case "true", "1", "on", "yes":
		return true, nil
	case "false", "0", "off", "no":
		return false, nil
	}
	return false, errors.New("want true/false, yes/no, on/off or 1/0 (any case)")
}

// ParseInt is oslo.config's Integer, which is Python's int(): surrounding
// spaces, a sign, decimal digits of any script and "_" between digits
// (" +1_000 " is 1000). An empty or all-space text is an error here where
// oslo.config makes it None; a number beyond int64 is an error where
// Python's ints have no bound.
func ParseInt(s string) (int64, error) {
	t, err := pyNumberText(s)
	if err != nil {
		return 0, err
	}
	if !pyIntSyntax.MatchString(t) {
		return 0, errors.New("want a whole number")
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), 10, 64)
	if err != nil {
		return 0, errors.New("number too large")
	}
	return n, nil
}

// ParseFloat is oslo.config's Float, which is Python's float(): as
// ParseInt plus a fraction and exponent, inf, infinity and nan in any case;
// no hexadecimal. Too large a number is ±Inf, as in Python.
func ParseFloat(s string) (float64, error) {
	t, err := pyNumberText(s)
	if err != nil {
		return 0, err
	}
	sign, rest := 1.0, t
	if rest != "" && (rest[0] == '+' || rest[0] == '-') {
		if rest[0] == '-' {
			sign = -1
		}
		rest = rest[1:]
	}
	switch asciiLower(rest) {
	case "inf", "infinity":
		return sign * math.Inf(1), nil
	case "nan":
		return math.NaN(), nil
	}
	if !pyFloatSyntax.MatchString(t) {
		return 0, errors.New("want a number")
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, errors.New("want a number")
	}
	return f, nil // ErrRange leaves ±Inf or 0, as Python gives
}

// ParseList is oslo.config's List of strings: strip, drop trailing commas,
// split at commas, strip each item; "" is the empty list and ", a" is
// ["", "a"]. Items are not unquoted.
func ParseList(s string) []string {
	s = strings.TrimRight(pyStrip(s), ",")
	if s == "" {
		return []string{}
	}
	items := strings.Split(s, ",")
	for i, it := range items {
		items[i] = pyStrip(it)
	}
	return items
}

const digitsRE = `[0-9](?:_?[0-9])*`

var (
	pyIntSyntax   = regexp.MustCompile(`^[+-]?` + digitsRE + `$`)
	pyFloatSyntax = regexp.MustCompile(`^[+-]?(?:` + digitsRE + `(?:\.(?:` + digitsRE + `)?)?|\.` + digitsRE + `)(?:[eE][+-]?` + digitsRE + `)?$`)
)

// pyNumberText strips s as Python does and turns decimal digits of any
// script into ASCII ones (Python's int() and float() read "١٢" as 12).
func pyNumberText(s string) (string, error) {
	s = pyStrip(s)
	if s == "" {
		return "", errEmptyNumber
	}
	var b strings.Builder
	for _, r := range s {
		if r > unicode.MaxASCII && unicode.Is(unicode.Nd, r) {
			r = '0' + rune(ndValue(r))
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

// ndValue is the value of a decimal digit: Unicode lays every script's
// digits out as runs of ten from zero, so it is the distance from the start
// of r's run modulo ten.
func ndValue(r rune) int {
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	return 0
}
