package osloconf

import (
	"fmt"
	"slices"
	"strings"
)

//go:generate /usr/bin/python3 gen_options.py

// DefaultGroup is the name of the [DEFAULT] section. It is the one section
// name oslo.config does not fold to lower case.
const DefaultGroup = "DEFAULT"

// Kind is the type oslo.config converts an option's text to.
type Kind int

// The kinds of oslo.messaging's options (oslo.config's StrOpt, BoolOpt,
// IntOpt, FloatOpt, ListOpt and MultiStrOpt).
const (
	Str Kind = iota
	Bool
	Int
	Float
	List
	MultiStr
)

func (k Kind) String() string {
	switch k {
	case Str:
		return "str"
	case Bool:
		return "bool"
	case Int:
		return "int"
	case Float:
		return "float"
	case List:
		return "list"
	case MultiStr:
		return "multistr"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Name is an option's place: a group (section) and a key.
type Name struct {
	Group string
	Name  string
}

func (n Name) String() string { return "[" + n.Group + "] " + n.Name }

// Option is one option oslo.messaging registers, with its type, default and
// constraints as the library declares them.
type Option struct {
	Group string
	Name  string
	Kind  Kind
	// Default is the default as INI text ("60", "false", "round-robin");
	// NoDefault says the default is None. A MultiStr option's defaults are
	// in Defaults instead.
	Default   string
	NoDefault bool
	Defaults  []string
	// Min and Max bound Int and Float values when not nil.
	Min, Max *float64
	// Choices, when not empty, are the only values allowed (case matters).
	Choices []string
	// Secret options (transport_url, passwords) never show their values.
	Secret bool
	// DeprecatedForRemoval options still work but oslo.config warns.
	DeprecatedForRemoval bool
	// Deprecated are older places oslo.config also reads the option from.
	Deprecated []Name
}

// Place returns where o lives.
func (o Option) Place() Name { return Name{o.Group, o.Name} }

// Allowed says in words which values o accepts, for error messages.
func (o Option) Allowed() string {
	var b strings.Builder
	switch o.Kind {
	case Bool:
		b.WriteString("want true/false, yes/no, on/off or 1/0 (any case)")
	case Int:
		b.WriteString("want a whole number")
	case Float:
		b.WriteString("want a number")
	case List:
		b.WriteString("want a comma-separated list")
	default:
		b.WriteString("want text")
	}
	if len(o.Choices) > 0 {
		return "want one of " + strings.Join(o.Choices, ", ") + " (case matters)"
	}
	switch {
	case o.Min != nil && o.Max != nil:
		fmt.Fprintf(&b, " from %v to %v", *o.Min, *o.Max)
	case o.Min != nil:
		fmt.Fprintf(&b, " ≥ %v", *o.Min)
	case o.Max != nil:
		fmt.Fprintf(&b, " ≤ %v", *o.Max)
	}
	return b.String()
}

func bound(v float64) *float64 { return &v }

var optionIndex = func() map[Name]int {
	m := make(map[Name]int, len(optionTable))
	for i, o := range optionTable {
		m[o.Place()] = i
	}
	return m
}()

// Options returns every option of oslo.messaging MessagingVersion, group by
// group, in the library's order.
func Options() []Option { return slices.Clone(optionTable) }

// LookupOption finds the option named name in group (DEFAULT or an
// oslo_messaging_* group, in any case but DEFAULT's).
func LookupOption(group, name string) (Option, bool) {
	i, ok := optionIndex[Name{normalizeGroup(group), name}]
	if !ok {
		return Option{}, false
	}
	return optionTable[i], true
}

// Groups returns the groups of the option table, DEFAULT first.
func Groups() []string {
	var gs []string
	for _, o := range optionTable {
		if !slices.Contains(gs, o.Group) {
			gs = append(gs, o.Group)
		}
	}
	return gs
}

// RabbitGroup is the group of the RabbitMQ driver's options.
const RabbitGroup = "oslo_messaging_rabbit"

// laterNames maps names that later oslo.messaging releases gave to a
// MessagingVersion option onto that option's name, so a caller may name
// the option either way. Files are still read with MessagingVersion's names.
var laterNames = map[string]string{
	"rabbit_quorum_max_memory_length": "rabbit_quroum_max_memory_length",
	"rabbit_quorum_max_memory_bytes":  "rabbit_quroum_max_memory_bytes",
}

// GroupOf says where an RPC service on the RabbitMQ driver reads the
// option name from: [oslo_messaging_rabbit] for the driver's options
// (including rpc_conn_pool_size, conn_pool_min_size and conn_pool_ttl,
// which the driver reads there, not from [DEFAULT]), else [DEFAULT]. It
// returns the option's MessagingVersion name too (see laterNames).
func GroupOf(name string) (Name, bool) {
	if n, ok := laterNames[name]; ok {
		name = n
	}
	for _, g := range []string{RabbitGroup, DefaultGroup} {
		if _, ok := optionIndex[Name{g, name}]; ok {
			return Name{g, name}, true
		}
	}
	return Name{}, false
}

// normalizeGroup is oslo.config's _normalize_group_name: every section name
// but DEFAULT is read in lower case, so [default] is not [DEFAULT].
func normalizeGroup(s string) string {
	if s == DefaultGroup {
		return s
	}
	return pyLower(s)
}
