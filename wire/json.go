package wire

import (
	"bytes"
	"encoding/json"
)

// marshal is json.Marshal without HTML escaping: oslo.messaging peers are not
// browsers, and escaping <, > and & would change the bytes of every argument
// that carries them.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
