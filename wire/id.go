package wire

import (
	"encoding/hex"
	"math/rand/v2"
)

// NewID returns a random UUID4 as 32 hex digits, the form oslo.messaging uses
// for _msg_id, _unique_id and queue names. IDs need to be unique, not secret,
// so they come from the runtime's per-thread ChaCha8 source: no lock, no syscall.
func NewID() string {
	var out [32]byte
	return string(appendID(out[:0]))
}

// appendNewID appends a new ID as a JSON string.
func appendNewID(dst []byte) []byte {
	dst = append(dst, '"')
	return append(appendID(dst), '"')
}

// appendID appends a new ID's 32 hex digits.
func appendID(dst []byte) []byte {
	var b [16]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return hex.AppendEncode(dst, b[:])
}
