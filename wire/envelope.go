package wire

import (
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

// open returns the message inside an oslo.messaging envelope.
func open(body []byte) ([]byte, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: body is not valid UTF-8", ErrMalformed)
	}
	var version, msg []byte
	var haveVersion, haveMsg bool
	s := scanner{b: body}
	err := s.object(func(key []byte) (err error) {
		switch string(key) {
		case "oslo.version":
			version, haveVersion, err = s.envelopeField("oslo.version")
		case "oslo.message":
			msg, haveMsg, err = s.envelopeField("oslo.message")
		default:
			err = s.skip(0)
		}
		return err
	})
	if err == nil {
		err = s.end()
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: body is not a JSON object: %v", ErrMalformed, err)
	case !haveVersion || !haveMsg:
		return nil, fmt.Errorf("%w: body has no %q/%q envelope", ErrMalformed, "oslo.version", "oslo.message")
	case string(version) != EnvelopeVersion && string(version) != "2":
		return nil, fmt.Errorf("%w: got %q, want %q", ErrEnvelopeVersion, version, EnvelopeVersion)
	}
	return msg, nil
}

// envelopeField reads one of the envelope's strings; null counts as absent.
func (s *scanner) envelopeField(key string) ([]byte, bool, error) {
	switch s.peek() {
	case '"':
		b, err := s.strBytes()
		return b, true, err
	case 'n':
		return nil, false, s.literal("null")
	}
	return nil, false, fmt.Errorf("%q must be a string", key)
}

// Seal wraps msg, a JSON object, in an oslo.messaging envelope: what
// EncodeRequest and EncodeReply do, for messages written by hand (tools,
// tests of hostile input).
func Seal(msg []byte) []byte {
	quoted, _ := marshal(string(msg)) // a string always marshals
	out := make([]byte, 0, len(quoted)+48)
	out = append(out, `{"oslo.version": "2.0", "oslo.message": `...)
	out = append(out, quoted...)
	return append(out, '}')
}
