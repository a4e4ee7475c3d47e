package osloconf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// messagingPrefix starts the sections oslo.messaging owns.
const messagingPrefix = "oslo_messaging_"

// Config is what a set of files says about oslo.messaging's options.
type Config struct {
	// Files are the files read, in order: later ones win.
	Files []string
	// Unknown are the keys and sections in oslo_messaging_* sections that
	// oslo.messaging does not have, in file order. See Err.
	Unknown []*UnknownOption

	files  []fileValues
	values map[Name]Value
}

// fileValues is one file's settings by normalized section, then key.
type fileValues map[string]map[string][]Setting

// Load reads the files in order, as oslo.config reads --config-file
// options: a later file wins. A missing or unreadable file is an error (all
// are listed), as is the first syntax error. Keys and sections oslo.messaging
// does not have are not errors here but listed in Config.Unknown.
func Load(paths ...string) (*Config, error) {
	var parsed []*File
	var missing []error
	for _, p := range paths {
		data, err := os.ReadFile(p)
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
			missing = append(missing, fmt.Errorf("osloconf: configuration file: %w", err))
			continue
		case err != nil:
			return nil, fmt.Errorf("osloconf: reading configuration: %w", err)
		}
		f, err := Parse(p, strings.NewReader(string(data)))
		if err != nil {
			return nil, err
		}
		parsed = append(parsed, f)
	}
	if len(missing) > 0 {
		return nil, errors.Join(missing...)
	}
	return FromFiles(parsed...), nil
}

// FromFiles resolves parsed files, later ones winning.
func FromFiles(files ...*File) *Config {
	c := &Config{values: make(map[Name]Value)}
	for _, f := range files {
		c.Files = append(c.Files, f.Name)
		fv := make(fileValues)
		for _, e := range f.Entries {
			g := normalizeGroup(e.Section)
			if fv[g] == nil {
				fv[g] = make(map[string][]Setting)
			}
			fv[g][e.Key] = append(fv[g][e.Key], Setting{
				Origin: Origin{File: f.Name, Line: e.Line, Section: e.Section, Key: e.Key},
				Raw:    e.Value,
			})
		}
		c.files = append(c.files, fv)
		c.Unknown = append(c.Unknown, unknownIn(f)...)
	}
	for _, o := range optionTable {
		if v, ok := c.resolve(o); ok {
			c.values[o.Place()] = v
		}
	}
	for n, v := range c.values {
		v.texts, v.err = c.substituteAll(v)
		c.values[n] = v
	}
	return c
}

// resolve is oslo.config's _Namespace._get_file_value: files from the last,
// and in each the option's own name, then its deprecated ones.
func (c *Config) resolve(o Option) (Value, bool) {
	v := Value{Option: o}
	names := append([]Name{o.Place()}, o.Deprecated...)
	for i := len(c.files) - 1; i >= 0; i-- {
		for j, n := range names {
			set := c.files[i][n.Group][n.Name]
			if len(set) == 0 {
				continue
			}
			v.Deprecated = v.Deprecated || j > 0
			if o.Kind != MultiStr {
				v.Settings = []Setting{set[len(set)-1]}
				return v, true
			}
			v.Settings = append(slices.Clone(set), v.Settings...)
		}
	}
	return v, len(v.Settings) > 0
}

// Lookup returns the option name of group if the files set it.
func (c *Config) Lookup(group, name string) (Value, bool) {
	v, ok := c.values[Name{normalizeGroup(group), name}]
	return v, ok
}

// Get returns the option name, looked up where an RPC service on the
// RabbitMQ driver reads it (see GroupOf), if the files set it.
func (c *Config) Get(name string) (Value, bool) {
	n, ok := GroupOf(name)
	if !ok {
		return Value{}, false
	}
	return c.Lookup(n.Group, n.Name)
}

// Values returns every option the files set, in the option table's order.
func (c *Config) Values() []Value {
	var vs []Value
	for _, o := range optionTable {
		if v, ok := c.values[o.Place()]; ok {
			vs = append(vs, v)
		}
	}
	return vs
}

// Unused lists, as "group.name", the options the files set that the caller
// does not implement, for one log line at startup. implemented names
// options as "group.name", or as a bare name placed by GroupOf.
func (c *Config) Unused(implemented ...string) []string {
	impl := make(map[Name]bool)
	for _, s := range implemented {
		if g, n, ok := strings.Cut(s, "."); ok {
			impl[Name{normalizeGroup(g), n}] = true
		} else if n, ok := GroupOf(s); ok {
			impl[n] = true
		}
	}
	var out []string
	for _, v := range c.Values() {
		if !impl[v.Option.Place()] {
			out = append(out, v.Option.Group+"."+v.Option.Name)
		}
	}
	return out
}

// Err joins the Unknown entries into one error (nil when there are none),
// for a caller that treats them as fatal.
func (c *Config) Err() error {
	errs := make([]error, len(c.Unknown))
	for i, u := range c.Unknown {
		errs[i] = u
	}
	return errors.Join(errs...)
}
