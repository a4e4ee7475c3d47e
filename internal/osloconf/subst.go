package osloconf

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ErrSubstitution: a "$" in a value that oslo.config cannot expand either
// (oslo.config raises NoSuchOptError when the option is read).
var ErrSubstitution = errors.New("osloconf: cannot substitute")

// maxLookups bounds the "$" expansions of one value, against files whose
// values refer to each other many times over (oslo would take forever).
const maxLookups = 10000

// substituteAll expands every setting of v as oslo.config's
// ConfigOpts._substitute does before converting a value.
func (c *Config) substituteAll(v Value) ([]string, error) {
	texts := make([]string, len(v.Settings))
	for i, s := range v.Settings {
		budget := maxLookups
		t, err := c.substitute(s.Raw, v.Option.Group, []Name{v.Option.Place()}, &budget)
		if err != nil {
			what := err.Error()
			if IsSecret(v.Option, s.Key) {
				what = "a name after a \"$\" is unknown" // the name may be part of a password
			}
			return nil, fmt.Errorf("%w: %s: %s; oslo.config expands $name and ${group.name} "+
				"in every value: write $$ (or \\$) for a literal $", ErrSubstitution, s.Origin, what)
		}
		texts[i] = t
	}
	return texts, nil
}

// substitute expands s for an option of group. Python's string.Template
// with oslo's identifier [_a-z][._a-z0-9]* (any case): "$$" is "$", $name
// and ${name} are expanded, any other "$" is left as it is.
func (c *Config) substitute(s, group string, stack []Name, budget *int) (string, error) {
	s = strings.ReplaceAll(s, `\$`, "$$")
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		key, rest := "", s
		switch {
		case strings.HasPrefix(s, "$"):
			b.WriteByte('$')
			s = s[1:]
			continue
		case s != "" && s[0] == '{':
			if id := ident(s[1:]); id != "" && strings.HasPrefix(s[1+len(id):], "}") {
				key, rest = id, s[2+len(id):]
			}
		default:
			if id := ident(s); id != "" {
				key, rest = id, s[len(id):]
			}
		}
		if key == "" { // not a placeholder: Python keeps the "$"
			b.WriteByte('$')
			continue
		}
		if *budget--; *budget < 0 {
			return "", fmt.Errorf("more than %d substitutions: too deep to expand", maxLookups)
		}
		val, err := c.lookupText(key, group, stack, budget)
		if err != nil {
			return "", err
		}
		b.WriteString(val)
		s = rest
	}
}

// ident returns the template identifier at the start of s, or "".
func ident(s string) string {
	for i, r := range s {
		if i == 0 && !isIdentStart(r) {
			return ""
		}
		if !isIdentPart(r) {
			return s[:i]
		}
	}
	return s
}

// lookupText is oslo.config's StrSubWrapper: "group.name", else name in
// the option's own group, else in DEFAULT; then str() of its value. Only
// oslo.messaging's options are registered here; for a name the service
// registers (nova's my_ip), the text the files give it is used instead.
func (c *Config) lookupText(key, group string, stack []Name, budget *int) (string, error) {
	candidates := []Name{{group, key}, {DefaultGroup, key}}
	if g, n, ok := strings.Cut(key, "."); ok {
		if g == DefaultGroup || g != normalizeGroup(g) {
			// Registered groups have lower-case names; DEFAULT is no group.
			return "", fmt.Errorf("${%s}: oslo.config has no group %q", key, g)
		}
		candidates = []Name{{g, n}}
	}
	for _, n := range candidates {
		o, ok := LookupOption(n.Group, n.Name)
		if !ok {
			continue
		}
		if slices.Contains(stack, n) {
			return "", fmt.Errorf("$%s refers back to itself", key)
		}
		return c.optionText(o, append(stack, n), budget)
	}
	for _, n := range candidates {
		if knownKeys[n.Group][n.Name] {
			continue // a deprecated name: no option of its own to read
		}
		for i := len(c.files) - 1; i >= 0; i-- {
			if set := c.files[i][n.Group][n.Name]; len(set) > 0 {
				if slices.Contains(stack, n) {
					return "", fmt.Errorf("$%s refers back to itself", key)
				}
				return c.substitute(set[len(set)-1].Raw, n.Group, append(stack, n), budget)
			}
		}
	}
	return "", fmt.Errorf("$%s is not an oslo.messaging option and no file sets it", key)
}

// optionText is Python's str() of option o's value, from the files or the
// default: "True", "60", "1.0", "['a', 'b']"; None is "".
func (c *Config) optionText(o Option, stack []Name, budget *int) (string, error) {
	texts := o.Defaults
	if o.Kind != MultiStr {
		if o.NoDefault {
			texts = nil
		} else {
			texts = []string{o.Default}
		}
	}
	if v, ok := c.resolve(o); ok {
		texts = nil
		for _, s := range v.Settings {
			texts = append(texts, s.Raw)
		}
	}
	for i, t := range texts {
		t, err := c.substitute(t, o.Group, stack, budget)
		if err != nil {
			return "", err
		}
		texts[i] = t
	}
	if o.Kind == MultiStr {
		return pyListRepr(texts), nil
	}
	if texts == nil {
		return "", nil
	}
	return pyStr(o, texts[0])
}

func pyStr(o Option, s string) (string, error) {
	bad := func(err error) (string, error) {
		return "", fmt.Errorf("%s = %q: %v", o.Place(), maskUserinfo(s), err)
	}
	switch o.Kind {
	case Bool:
		b, err := ParseBool(s)
		if err != nil {
			return bad(err)
		}
		return map[bool]string{true: "True", false: "False"}[b], nil
	case Int:
		n, err := ParseInt(s)
		if errors.Is(err, errEmptyNumber) {
			return "", nil // None
		} else if err != nil {
			return bad(err)
		}
		return strconv.FormatInt(n, 10), nil
	case Float:
		f, err := ParseFloat(s)
		if errors.Is(err, errEmptyNumber) {
			return "", nil
		} else if err != nil {
			return bad(err)
		}
		return pyFloatRepr(f), nil
	case List:
		return pyListRepr(ParseList(s)), nil
	}
	return s, nil
}

// pyFloatRepr is Python's repr of a float: the shortest digits, exponent
// form below 1e-4 and from 1e16, else a point and at least one decimal.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // "-1.5e+16"
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyListRepr is Python's repr of a list of strings.
func pyListRepr(items []string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = pyStrRepr(it)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func pyStrRepr(s string) string {
	q := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case isPyPrintable(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
