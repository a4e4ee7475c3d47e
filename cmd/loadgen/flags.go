package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/rpcexec/rpcexec/transport"
)

// command is a flag set with the simulator's short names as aliases and a
// usage text that lists each flag once.
type command struct {
	fs       *flag.FlagSet
	synopsis string
	aliases  map[string][]string // flag name → its aliases
	stderr   io.Writer
}

func newCommand(name, synopsis string, stderr io.Writer) *command {
	c := &command{fs: flag.NewFlagSet(name, flag.ContinueOnError), synopsis: synopsis,
		aliases: map[string][]string{}, stderr: stderr}
	c.fs.SetOutput(io.Discard) // errors are printed once, by parse
	c.fs.Usage = func() {}
	return c
}

// alias makes each of names another name of flag.
func (c *command) alias(flagName string, names ...string) {
	f := c.fs.Lookup(flagName)
	for _, n := range names {
		c.fs.Var(f.Value, n, "alias of --"+flagName)
	}
	c.aliases[flagName] = append(c.aliases[flagName], names...)
}

// parse parses args; on a problem it prints it and returns false, and the
// command exits 2 (for -h, 0, after the usage).
func (c *command) parse(args []string) (ok bool, status int) {
	err := c.fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		c.usage(c.stderr)
		return false, exitOK
	}
	if err == nil && c.fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", c.fs.Arg(0))
	}
	if err != nil {
		return false, c.fail(err)
	}
	return true, exitOK
}

// fail prints a usage error and where the usage is (see usageHint); it
// returns exitUsage.
func (c *command) fail(err error) int {
	fmt.Fprintf(c.stderr, "loadgen: %v\n%s", c.hint(err), c.usageHint())
	return exitUsage
}

// set reports whether the flag was given on the command line, under any name.
func (c *command) set(name string) bool {
	found := false
	c.fs.Visit(func(f *flag.Flag) {
		if f.Name == name || slices.Contains(c.aliases[name], f.Name) {
			found = true
		}
	})
	return found
}

func (c *command) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\nflags:\n", c.synopsis)
	c.fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Usage, "alias of ") {
			return
		}
		names := "--" + f.Name
		for _, a := range c.aliases[f.Name] {
			names += ", -" + a
		}
		kind, text := flag.UnquoteUsage(f)
		if kind != "" {
			names += " " + kind
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "false" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  %s\n    \t%s%s\n", names, text, def)
	})
}

// redact shows a transport URL without its passwords, even a malformed one.
func redact(raw string) string {
	if u, err := transport.ParseURL(raw); err == nil {
		return u.String()
	}
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	return raw
}
