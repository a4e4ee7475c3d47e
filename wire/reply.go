package wire

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Reply answers a call. A reply with Ending false is a call-monitor heartbeat:
// it tells the caller the method is still running and carries no result.
type Reply struct {
	Result   json.RawMessage // JSON value; ignored when Failure is set
	Failure  *Failure
	Ending   bool
	MsgID    string
	UniqueID string
}

// Failure is oslo.messaging's serialised exception (serialize_remote_exception).
type Failure struct {
	Class     string         `json:"class"`
	Module    string         `json:"module"`
	Message   string         `json:"message"`
	Traceback []string       `json:"tb"`
	Args      []any          `json:"args"`
	Kwargs    map[string]any `json:"kwargs"`
}

// EncodeReply encodes r with its envelope. The failure travels as a JSON
// string inside the message, as oslo.messaging sends it. The fields come
// in oslo's order: result, failure, ending, _msg_id, _unique_id.
func EncodeReply(r *Reply) ([]byte, error) {
	var failure []byte
	if r.Failure != nil {
		fail := *r.Failure
		if fail.Traceback == nil {
			fail.Traceback = []string{}
		}
		if fail.Args == nil {
			fail.Args = []any{}
		}
		if fail.Kwargs == nil {
			fail.Kwargs = map[string]any{}
		}
		b, err := marshal(fail)
		if err != nil {
			return nil, fmt.Errorf("wire: encoding failure %s: %w", fail.Class, err)
		}
		failure = b
	}
	buf := getScratch()
	msg := append((*buf)[:0], `{"result":`...)
	if r.Failure != nil || r.Result == nil {
		msg = append(msg, "null"...)
	} else {
		var err error
		if msg, err = appendRaw(msg, r.Result); err != nil {
			putScratch(buf, msg)
			return nil, fmt.Errorf("wire: encoding reply: %w", err)
		}
	}
	msg = append(msg, `,"failure":`...)
	if failure != nil {
		msg = appendString(msg, failure)
	} else {
		msg = append(msg, "null"...)
	}
	msg = append(msg, `,"ending":`...)
	msg = strconv.AppendBool(msg, r.Ending)
	msg = append(msg, `,"_msg_id":`...)
	msg = appendString(msg, r.MsgID)
	msg = append(msg, `,"_unique_id":`...)
	if r.UniqueID == "" {
		msg = appendNewID(msg)
	} else {
		msg = appendString(msg, r.UniqueID)
	}
	out := sealed(append(msg, '}'))
	putScratch(buf, msg)
	return out, nil
}

// DecodeReply decodes a reply body (envelope included), with the rules of
// DecodeRequest: exact keys, the last of duplicates wins, null reads as
// absent. Result is a view of the decoded message, which the reply owns.
func DecodeReply(body []byte) (*Reply, error) {
	msg, owned, err := openOwned(body)
	if err != nil {
		return nil, err
	}
	r := &Reply{}
	var failure []byte
	var fieldErr error
	s := scanner{b: msg, owned: owned}
	err = s.object(func(key []byte) error {
		switch string(key) {
		case "result":
			raw, err := s.raw()
			r.Result = raw
			return err
		case "failure":
			switch s.peek() {
			case '"':
				b, err := s.strBytes()
				failure = b
				return err
			case 'n':
				failure = nil
				return s.literal("null")
			}
			if fieldErr == nil {
				fieldErr = fmt.Errorf("%q must be a string", "failure")
			}
			return s.skip(0)
		case "ending":
			switch s.peek() {
			case 't':
				r.Ending = true
				return s.literal("true")
			case 'f':
				r.Ending = false
				return s.literal("false")
			case 'n':
				return s.literal("null")
			}
			if fieldErr == nil {
				fieldErr = fmt.Errorf("%q must be true or false", "ending")
			}
			return s.skip(0)
		case "_msg_id":
			return s.stringField(&r.MsgID, "_msg_id", &fieldErr)
		case "_unique_id":
			return s.stringField(&r.UniqueID, "_unique_id", &fieldErr)
		}
		return s.skip(0)
	})
	if err == nil {
		err = s.end()
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: reply is not a JSON object: %v", ErrMalformed, err)
	case fieldErr != nil:
		return nil, fmt.Errorf("%w: %v", ErrMalformed, fieldErr)
	case r.MsgID == "":
		return nil, fmt.Errorf("%w: reply has no _msg_id", ErrMalformed)
	}
	if failure != nil {
		r.Failure = new(Failure)
		if err := json.Unmarshal(failure, r.Failure); err != nil {
			return nil, fmt.Errorf("%w: reply failure is not a JSON object: %v", ErrMalformed, err)
		}
	}
	return r, nil
}
