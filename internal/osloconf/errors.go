package osloconf

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Sentinels wrapped by the errors of this package.
var (
	// ErrSyntax: a file is not oslo.config INI (see SyntaxError).
	ErrSyntax = errors.New("osloconf: syntax error")
	// ErrUnknownOption: a key or section of oslo.messaging's that does not
	// exist (see UnknownOption).
	ErrUnknownOption = errors.New("osloconf: unknown oslo.messaging option")
	// ErrInvalidValue: a value oslo.config would refuse (see ValueError).
	ErrInvalidValue = errors.New("osloconf: invalid value")
)

// Origin is where a value was written.
type Origin struct {
	File    string
	Line    int
	Section string // as written
	Key     string // as written: the option's name or a deprecated one
}

func (o Origin) String() string {
	return fmt.Sprintf("%s:%d: [%s] %s", o.File, o.Line, o.Section, o.Key)
}

// SyntaxError is a line oslo.config's parser rejects.
type SyntaxError struct {
	File string
	Line int
	Msg  string
	// Text is the offending line, or a stand-in when it may hold a secret.
	Text string
}

func (e *SyntaxError) Error() string {
	s := fmt.Sprintf("osloconf: %s:%d: %s", e.File, e.Line, e.Msg)
	if e.Text != "" {
		s += ": " + safeLine(e.Text)
	}
	return s
}

func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// ValueError is a value that oslo.config would not convert, or that
// oslo.messaging's bounds or choices refuse.
type ValueError struct {
	Origin
	Option Option
	Value  string // as written; shown redacted when it may be a secret
	Reason string // what is wrong and what is allowed
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("osloconf: %s = %s: %s", e.Origin,
		redactValue(e.Option, e.Key, e.Value), e.Reason)
}

func (e *ValueError) Unwrap() error { return ErrInvalidValue }

// UnknownOption is a key in an oslo_messaging_* section that oslo.messaging
// does not have (Key set), or an oslo_messaging_* section with keys that
// oslo.messaging does not have (Key empty). oslo.config ignores both in
// silence; the option meant has no effect.
type UnknownOption struct {
	Origin
	Suggestion string // a close known name, or ""
	Note       string // more advice, or ""
}

func (e *UnknownOption) Error() string {
	var s string
	if e.Key == "" {
		s = fmt.Sprintf("osloconf: %s:%d: [%s] is not an oslo.messaging %s group, so its options have no effect",
			e.File, e.Line, e.Section, MessagingVersion)
		if e.Suggestion != "" {
			s += fmt.Sprintf(" (did you mean [%s]?)", e.Suggestion)
		}
	} else {
		s = fmt.Sprintf("osloconf: %s is not an oslo.messaging %s option, so it has no effect",
			e.Origin, MessagingVersion)
		if e.Suggestion != "" {
			s += fmt.Sprintf(" (did you mean %s?)", e.Suggestion)
		}
	}
	if e.Note != "" {
		s += "; " + e.Note
	}
	return s + ": correct or remove it"
}

func (e *UnknownOption) Unwrap() error { return ErrUnknownOption }

const redacted = "<redacted>"

// IsSecret says whether the value of key (of option o, if known) must never
// be shown: oslo's secret options, transport_url and anything naming a
// password.
func IsSecret(o Option, key string) bool {
	k := strings.ToLower(key)
	return o.Secret || strings.Contains(k, "transport_url") || strings.Contains(k, "password")
}

func redactValue(o Option, key, value string) string {
	if IsSecret(o, key) {
		return redacted
	}
	return fmt.Sprintf("%q", maskUserinfo(value))
}

// userinfo matches the user:password@ part of URLs, of each host in
// oslo's multi-host form too (rabbit://u:p@h1,u:p@h2/).
var userinfo = regexp.MustCompile(`(://|,)([^:@,/\s]*):[^@]*@`)

// maskUserinfo hides URL passwords in s.
func maskUserinfo(s string) string { return userinfo.ReplaceAllString(s, "$1$2:***@") }

// safeLine quotes a line for a syntax error unless it may hold a secret.
func safeLine(line string) string {
	l := strings.ToLower(line)
	for _, w := range []string{"password", "passwd", "secret", "token", "transport_url", "@", "://"} {
		if strings.Contains(l, w) {
			return fmt.Sprintf("(the line is not shown: it may hold a secret; %d characters)", len([]rune(line)))
		}
	}
	if r := []rune(line); len(r) > 80 {
		line = string(r[:80]) + "…"
	}
	return fmt.Sprintf("%q", line)
}
