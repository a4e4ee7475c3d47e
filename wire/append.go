package wire

import (
	"encoding/json"
	"sync"
	"unicode/utf8"
)

// The encoders write oslo's messages by appending to a byte slice: every
// call and every reply is encoded once on each side, and encoding/json's
// reflection and its second pass over each RawMessage cost several times
// what appending known fields does. The output is byte for byte what
// encoding/json writes without HTML escaping (TestEncodersMatchEncodingJSON
// holds them to it).

// appendString appends src as a JSON string, as encoding/json writes it
// without HTML escaping.
func appendString[B []byte | string](dst []byte, src B) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(src); {
		if b := src[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, src[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(src)-i, utf8.UTFMax)
		c, size := utf8.DecodeRuneInString(string(src[i : i+n]))
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, src[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' { // as encoding/json, for JSONP's sake
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, src[start:]...)
	return append(dst, '"')
}

// appendRaw appends a JSON value as encoding/json writes a RawMessage:
// checked, and without the white space outside strings.
func appendRaw(dst, raw []byte) ([]byte, error) {
	if !json.Valid(raw) {
		_, err := marshal(json.RawMessage(raw)) // encoding/json's error for it
		return dst, err
	}
	inString, escaped := false, false
	start := 0
	for i, c := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			dst = append(dst, raw[start:i]...)
			start = i + 1
		}
	}
	return append(dst, raw[start:]...), nil
}

// sealed appends the envelope around msg, a JSON object, to a new slice:
// what Seal returns.
func sealed(msg []byte) []byte {
	const head = `{"oslo.version": "2.0", "oslo.message": `
	out := make([]byte, 0, len(head)+len(msg)+len(msg)/4+8)
	out = append(out, head...)
	out = appendString(out, msg)
	return append(out, '}')
}

// scratch recycles the buffers messages are built in before they are sealed.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxScratch is the largest buffer kept for reuse.
const maxScratch = 64 << 10

func getScratch() *[]byte { return scratch.Get().(*[]byte) }

func putScratch(b *[]byte, used []byte) {
	if cap(used) <= maxScratch {
		*b = used[:0]
		scratch.Put(b)
	}
}
