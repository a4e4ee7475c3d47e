package main

import (
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// usageHint is the line after a usage error: where the flags are listed.
func (c *command) usageHint() string {
	return fmt.Sprintf("see '%s -h' for the flags\n", c.fs.Name())
}

// badValue is the flag package's error for a value a flag refused.
var badValue = regexp.MustCompile(`^invalid value "(.*)" for flag -([^:]+): `)

// hint adds advice to a flag error where a common slip is likely: a
// duration given as a bare number ("--duration 1") gets "1s" suggested.
func (c *command) hint(err error) error {
	m := badValue.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	f := c.fs.Lookup(m[2])
	if f == nil {
		return err
	}
	name := "--" + m[2]
	if len(m[2]) == 1 {
		name = "-" + m[2]
	}
	if g, ok := f.Value.(flag.Getter); ok {
		if _, isDuration := g.Get().(time.Duration); isDuration {
			if _, nerr := strconv.ParseFloat(m[1], 64); nerr == nil {
				return fmt.Errorf("%s %s: a duration needs a unit: did you mean %ss? (also ms, m, h)", name, m[1], m[1])
			}
			return fmt.Errorf("%s %q: want a duration such as 30s, 1m or 500ms", name, m[1])
		}
	}
	return err
}
