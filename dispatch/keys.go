package dispatch

// The functions below walk the top level of a JSON object that
// json.Unmarshal has already accepted, so they trust its syntax and only find
// where keys and values end. They let strict argument decoding look at the
// keys without a json.Decoder or a map per call.

// firstKey returns the offset of the first key of obj, or of its closing '}'.
func firstKey(obj []byte) int {
	return skipSpace(obj, skipSpace(obj, 0)+1)
}

// nextKey returns the quoted key starting at i, with escapes as sent, and the
// offset of the following key or of the closing '}'.
func nextKey(obj []byte, i int) (key []byte, next int) {
	end := skipString(obj, i)
	key = obj[i:end]
	i = skipSpace(obj, end) + 1 // past ':'
	i = skipSpace(obj, skipValue(obj, skipSpace(obj, i)))
	if obj[i] == ',' {
		i = skipSpace(obj, i+1)
	}
	return key, i
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; b[i] != '"'; i++ {
		if b[i] == '\\' {
			i++
		}
	}
	return i + 1
}

// skipValue returns the offset just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		for depth := 0; ; {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			i++
			if depth == 0 {
				return i
			}
		}
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' &&
		b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
		i++
	}
	return i
}
