package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// EnvelopeVersion is the only envelope version oslo.messaging sends and accepts.
const EnvelopeVersion = "2.0"

// Decoding errors. Every error returned by a decoder wraps one of these.
var (
	// ErrMalformed means the body is not an oslo.messaging message.
	ErrMalformed = errors.New("wire: malformed message")
	// ErrEnvelopeVersion means the envelope is of a version other than 2.0.
	ErrEnvelopeVersion = errors.New("wire: unsupported envelope version")
)

type envelope struct {
	Version *string `json:"oslo.version"`
	Message *string `json:"oslo.message"`
}

// Open returns the message inside an oslo.messaging envelope.
func Open(body []byte) ([]byte, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: body is not valid UTF-8", ErrMalformed)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: body is not a JSON object: %v", ErrMalformed, err)
	}
	switch {
	case env.Version == nil || env.Message == nil:
		return nil, fmt.Errorf("%w: body has no %q/%q envelope", ErrMalformed, "oslo.version", "oslo.message")
	case *env.Version != EnvelopeVersion && *env.Version != "2":
		return nil, fmt.Errorf("%w: got %q, want %q", ErrEnvelopeVersion, *env.Version, EnvelopeVersion)
	}
	return []byte(*env.Message), nil
}

// Seal wraps msg, a JSON object, in an oslo.messaging envelope.
func Seal(msg []byte) []byte {
	quoted, _ := marshal(string(msg)) // a string always marshals
	out := make([]byte, 0, len(quoted)+48)
	out = append(out, `{"oslo.version": "2.0", "oslo.message": `...)
	out = append(out, quoted...)
	return append(out, '}')
}
