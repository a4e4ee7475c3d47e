package wire

import (
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// str reads a string.
func (s *scanner) str() (string, error) {
	start := s.i
	b, err := s.strBytes()
	if err != nil || len(b) == 0 {
		return "", err
	}
	if s.owned || s.i-start-2 != len(b) { // an owned buffer, or one strSlow made
		return unsafe.String(&b[0], len(b)), nil
	}
	return string(b), nil
}

// strBytes reads a string. Without escapes the result is a slice of the
// input, no copy; escapes are decoded as encoding/json does, invalid
// surrogates and invalid UTF-8 becoming U+FFFD.
func (s *scanner) strBytes() ([]byte, error) {
	s.i++ // the opening quote
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], nil
		case c == '\\' || c >= utf8.RuneSelf:
			return s.strSlow(start)
		case c < 0x20:
			return nil, s.fail("control character in string")
		}
		s.i++
	}
	return nil, s.fail("unterminated string")
}

func (s *scanner) strSlow(start int) ([]byte, error) {
	out := append(make([]byte, 0, len(s.b)-start), s.b[start:s.i]...)
	for s.i < len(s.b) {
		plain := s.i
		for plain < len(s.b) && !special(s.b[plain]) {
			plain++
		}
		out = append(out, s.b[s.i:plain]...)
		s.i = plain
		if s.i == len(s.b) {
			break
		}
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return out, nil
		case c < 0x20:
			return nil, s.fail("control character in string")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(s.b[s.i:])
			s.i += size
			out = utf8.AppendRune(out, r) // U+FFFD for invalid bytes
		default:
			var err error
			if out, err = s.escape(out); err != nil {
				return nil, err
			}
		}
	}
	return nil, s.fail("unterminated string")
}

// special reports whether c ends a run of bytes a string copies as they are.
func special(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf }

// escape decodes the escape sequence at s.i onto out.
func (s *scanner) escape(out []byte) ([]byte, error) {
	if s.i+1 >= len(s.b) {
		return nil, s.fail("unterminated escape")
	}
	c := s.b[s.i+1]
	s.i += 2
	switch c {
	case '"', '\\', '/':
		return append(out, c), nil
	case 'b':
		return append(out, '\b'), nil
	case 'f':
		return append(out, '\f'), nil
	case 'n':
		return append(out, '\n'), nil
	case 'r':
		return append(out, '\r'), nil
	case 't':
		return append(out, '\t'), nil
	case 'u':
		r, ok := s.hex4()
		if !ok {
			return nil, s.fail("invalid \\u escape")
		}
		if utf16.IsSurrogate(r) {
			r = s.lowSurrogate(r)
		}
		return utf8.AppendRune(out, r), nil
	}
	return nil, s.fail("invalid escape")
}

// lowSurrogate completes the pair begun by high when a \u escape of a low
// surrogate follows, consuming it; otherwise it returns U+FFFD and leaves
// what follows alone.
func (s *scanner) lowSurrogate(high rune) rune {
	save := s.i
	if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
		s.i += 2
		if low, ok := s.hex4(); ok {
			if r := utf16.DecodeRune(high, low); r != utf8.RuneError {
				return r
			}
		}
	}
	s.i = save
	return utf8.RuneError
}

func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.i += 4
	return r, true
}
