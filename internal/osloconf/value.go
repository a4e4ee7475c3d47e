package osloconf

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Setting is one value written in a file.
type Setting struct {
	Origin
	// Raw is the value as the INI parser read it, before "$" substitution.
	Raw string
}

// Value is an oslo.messaging option that the files set, resolved as
// oslo.config resolves it.
type Value struct {
	Option Option
	// Settings are what oslo.config reads: for a single-valued option the
	// one that wins (the last in the last file that sets it, the option's
	// own name before its deprecated ones); for a MultiStr option every
	// one, first file first.
	Settings []Setting
	// Deprecated says a setting used a deprecated name or group.
	Deprecated bool

	texts []string // Settings after "$" substitution
	err   error    // the substitution failed
}

// errUnset is what the zero Value (from a failed Lookup) converts to.
var errUnset = errors.New("osloconf: option not set")

// Origin is where the winning (for MultiStr, the last) setting was written.
func (v Value) Origin() Origin { return v.last().Origin }

// Raw is the winning (for MultiStr, the last) setting as written.
func (v Value) Raw() string { return v.last().Raw }

func (v Value) last() Setting {
	if len(v.Settings) == 0 {
		return Setting{}
	}
	return v.Settings[len(v.Settings)-1]
}

// String returns the text oslo.config converts, after "$" substitution,
// checked against the option's choices.
func (v Value) String() (string, error) {
	s, err := v.text()
	if err != nil {
		return "", err
	}
	if len(v.Option.Choices) > 0 && !slices.Contains(v.Option.Choices, s) {
		return "", v.invalid(s, v.Option.Allowed())
	}
	return s, nil
}

// Strings returns every text of a MultiStr option (one for other kinds),
// after "$" substitution.
func (v Value) Strings() ([]string, error) {
	if _, err := v.text(); err != nil {
		return nil, err
	}
	return slices.Clone(v.texts), nil
}

// Bool converts as oslo.config's Boolean does.
func (v Value) Bool() (bool, error) {
	s, err := v.text()
	if err != nil {
		return false, err
	}
	b, err := ParseBool(s)
	if err != nil {
		return false, v.invalid(s, err.Error())
	}
	return b, nil
}

// Int converts as oslo.config's Integer does and checks the bounds. An
// empty value is an error: oslo.config would make the option None, not
// its default, which oslo.messaging does not expect.
func (v Value) Int() (int, error) {
	s, err := v.text()
	if err != nil {
		return 0, err
	}
	n, err := ParseInt(s)
	if err != nil {
		return 0, v.numberError(s, err)
	}
	if err := v.checkBounds(s, float64(n)); err != nil {
		return 0, err
	}
	return int(n), nil
}

// Float converts as oslo.config's Float does and checks the bounds (NaN
// passes them, as in Python).
func (v Value) Float() (float64, error) {
	s, err := v.text()
	if err != nil {
		return 0, err
	}
	f, err := ParseFloat(s)
	if err != nil {
		return 0, v.numberError(s, err)
	}
	if err := v.checkBounds(s, f); err != nil {
		return 0, err
	}
	return f, nil
}

// List splits as oslo.config's List of strings does.
func (v Value) List() ([]string, error) {
	s, err := v.text()
	if err != nil {
		return nil, err
	}
	return ParseList(s), nil
}

// Canonical converts v as oslo.config would, checking bounds and choices,
// and writes the result back in the plain form Go's strconv reads: "true"
// or "false", a decimal integer, the shortest float, the text itself; the
// items of a List or MultiStr joined by ",". It lets a caller feed oslo's
// values to setters written for environment variables.
func (v Value) Canonical() (string, error) {
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
		var f float64
		f, err = v.Float()
		x = strconv.FormatFloat(f, 'g', -1, 64)
	case List:
		var items []string
		items, err = v.List()
		x = strings.Join(items, ",")
	case MultiStr:
		var items []string
		items, err = v.Strings()
		x = strings.Join(items, ",")
	default:
		x, err = v.String()
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprint(x), nil
}

func (v Value) text() (string, error) {
	if v.err != nil {
		return "", v.err
	}
	if len(v.texts) == 0 {
		return "", errUnset
	}
	return v.texts[len(v.texts)-1], nil
}

func (v Value) numberError(s string, err error) error {
	if errors.Is(err, errEmptyNumber) {
		return v.invalid(s, fmt.Sprintf("empty: oslo.config reads an empty number as None, "+
			"not as the default; remove the line to get the default (%s)", v.Option.Default))
	}
	return v.invalid(s, v.Option.Allowed())
}

func (v Value) checkBounds(s string, f float64) error {
	if (v.Option.Min != nil && f < *v.Option.Min) || (v.Option.Max != nil && f > *v.Option.Max) {
		return v.invalid(s, v.Option.Allowed())
	}
	return nil
}

func (v Value) invalid(s, reason string) error {
	return &ValueError{Origin: v.Origin(), Option: v.Option, Value: s, Reason: reason}
}
