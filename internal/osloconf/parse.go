package osloconf

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// Entry is one assignment as oslo.config's iniparser reads it.
type Entry struct {
	// Section is the name between the brackets, as written.
	Section string
	Key     string
	// Value has one pair of matching outer quotes removed from its first
	// line, and its continuation lines joined with "\n".
	Value string
	// Line is the line of the key (1-based).
	Line int
}

// Header is one [section] line.
type Header struct {
	Section string
	Line    int
}

// File is a parsed INI file: its assignments and section headers in order.
type File struct {
	Name    string
	Entries []Entry
	Headers []Header
}

// ParseFile reads and parses the file at path.
func ParseFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("osloconf: reading configuration: %w", err)
	}
	return Parse(path, bytes.NewReader(data))
}

// Parse reads oslo.config INI text from r; name names it in errors. It
// accepts and rejects exactly what oslo_config.iniparser does, and every
// rejection is a *SyntaxError naming name and the line.
func Parse(name string, r io.Reader) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("osloconf: reading %s: %w", name, err)
	}
	p := parser{file: &File{Name: name}}
	for i, line := range splitLines(data) {
		if err := p.line(i+1, line); err != nil {
			return nil, err
		}
	}
	if err := p.flush(); err != nil {
		return nil, err
	}
	return p.file, nil
}

// splitLines splits as Python's text mode reads lines: "\r\n", "\r" and
// "\n" all end a line.
func splitLines(data []byte) []string {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

type parser struct {
	file    *File
	section string
	inSect  bool
	key     string // the assignment being read; "" when none
	keyLine int
	value   []string
}

func (p *parser) fail(n int, line, msg string) error {
	return &SyntaxError{File: p.file.Name, Line: n, Msg: msg, Text: line}
}

func (p *parser) line(n int, raw string) error {
	if !utf8.ValidString(raw) {
		return p.fail(n, "", "not UTF-8 text: save the file as UTF-8")
	}
	line := pyRStrip(raw)
	switch {
	case line == "": // a blank line ends a multi-line value
		return p.flush()
	case line[0] == ' ' || line[0] == '\t':
		if p.key == "" {
			return p.fail(n, line, "indented line continues no value: oslo.config reads a line "+
				"starting with a space or tab as more of the value above it, and there is none "+
				"(a [section], comment or blank line comes first); remove the indentation")
		}
		p.value = append(p.value, pyLStrip(line))
		return nil
	}
	if err := p.flush(); err != nil {
		return err
	}
	switch {
	case line[0] == '[':
		if !strings.HasSuffix(line, "]") {
			return p.fail(n, line, `section header does not end with "]" (nothing may follow it, not even a comment)`)
		}
		if len(line) <= 2 {
			return p.fail(n, line, "empty section name: name the section, such as [DEFAULT]")
		}
		p.section, p.inSect = line[1:len(line)-1], true
		p.file.Headers = append(p.file.Headers, Header{Section: p.section, Line: n})
	case line[0] == '#' || line[0] == ';':
		// A comment only in the first column: "key = v # c" keeps "# c".
	default:
		key, value, ok := splitKeyValue(line)
		if !ok {
			return p.fail(n, line, `no "=" or ":" in this line: oslo.config reads every line that is not `+
				"a [section], a comment (# or ; in the first column) or an indented continuation as key = value")
		}
		if key == "" {
			return p.fail(n, line, "empty key before the = or :")
		}
		p.key, p.keyLine, p.value = key, n, []string{value}
	}
	return nil
}

// splitKeyValue splits at the first "=" or ":", whichever comes first, and
// strips the parts; a value enclosed in matching quotes loses them.
func splitKeyValue(line string) (key, value string, ok bool) {
	i := strings.IndexAny(line, "=:")
	if i < 0 {
		return "", "", false
	}
	key, value = pyStrip(line[:i]), pyStrip(line[i+1:])
	if value != "" && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
		if len(value) == 1 {
			return key, "", true // Python's '"'[1:-1]
		}
		value = value[1 : len(value)-1]
	}
	return key, value, true
}

// flush records the assignment being read, if any.
func (p *parser) flush() error {
	if p.key == "" {
		return nil
	}
	key, line := p.key, p.keyLine
	p.key = ""
	if !p.inSect {
		return p.fail(line, key, "key comes before any [section]: put it under [DEFAULT] "+
			"or the section it belongs to")
	}
	p.file.Entries = append(p.file.Entries, Entry{
		Section: p.section, Key: key, Value: strings.Join(p.value, "\n"), Line: line,
	})
	return nil
}
