package osloconf

import (
	"strings"
	"unicode"
)

// oslo.config is Python: its strip() and lower() are Python's, which differ
// from Go's at the edges. These helpers follow Python 3.

// isPySpace is Python's str.isspace for one character: Go's unicode.IsSpace
// plus the information separators U+001C..U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func pyStrip(s string) string  { return strings.TrimFunc(s, isPySpace) }
func pyLStrip(s string) string { return strings.TrimLeftFunc(s, isPySpace) }
func pyRStrip(s string) string { return strings.TrimRightFunc(s, isPySpace) }

// pyLower is Python's str.lower as far as names are concerned: U+0130
// (İ) lowers to "i̇", two characters, not to an ASCII i as in Go.
func pyLower(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "\u0130", "i\u0307"))
}

// asciiLower lowers ASCII letters only: oslo's boolean words are ASCII and
// no other character lowers onto them, so this matches Python's lower()
// for the comparison.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// isIdentStart and isIdentPart follow oslo.config's template identifier,
// [_a-z][\._a-z0-9]* compiled with re.IGNORECASE, which in Python also
// admits İ, ı, ſ and the Kelvin sign.
func isIdentStart(r rune) bool {
	switch {
	case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		return true
	case r == 0x130, r == 0x131, r == 0x17f, r == 0x212a:
		return true
	}
	return false
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || r == '.' || ('0' <= r && r <= '9')
}

// isPyPrintable is Python's str.isprintable for one character; Go's
// unicode.IsPrint draws the same line (L, M, N, P, S and the ASCII space).
func isPyPrintable(r rune) bool { return unicode.IsPrint(r) }
