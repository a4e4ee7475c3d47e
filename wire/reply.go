package wire

import (
	"encoding/json"
	"fmt"
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

type replyFields struct {
	Result   json.RawMessage `json:"result"`
	Failure  *string         `json:"failure"`
	Ending   bool            `json:"ending"`
	MsgID    string          `json:"_msg_id"`
	UniqueID string          `json:"_unique_id"`
}

// EncodeReply encodes r with its envelope. The failure travels as a JSON
// string inside the message, as oslo.messaging sends it.
func EncodeReply(r *Reply) ([]byte, error) {
	f := replyFields{Result: r.Result, Ending: r.Ending, MsgID: r.MsgID, UniqueID: r.UniqueID}
	if f.UniqueID == "" {
		f.UniqueID = NewID()
	}
	if r.Failure != nil || f.Result == nil {
		f.Result = json.RawMessage("null")
	}
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
		s := string(b)
		f.Failure = &s
	}
	msg, err := marshal(f)
	if err != nil {
		return nil, fmt.Errorf("wire: encoding reply: %w", err)
	}
	return Seal(msg), nil
}

// DecodeReply decodes a reply body (envelope included).
func DecodeReply(body []byte) (*Reply, error) {
	msg, err := open(body)
	if err != nil {
		return nil, err
	}
	var f replyFields
	if err := json.Unmarshal(msg, &f); err != nil {
		return nil, fmt.Errorf("%w: reply is not a JSON object: %v", ErrMalformed, err)
	}
	if f.MsgID == "" {
		return nil, fmt.Errorf("%w: reply has no _msg_id", ErrMalformed)
	}
	r := &Reply{Result: f.Result, Ending: f.Ending, MsgID: f.MsgID, UniqueID: f.UniqueID}
	if f.Failure != nil {
		r.Failure = new(Failure)
		if err := json.Unmarshal([]byte(*f.Failure), r.Failure); err != nil {
			return nil, fmt.Errorf("%w: reply failure is not a JSON object: %v", ErrMalformed, err)
		}
	}
	return r, nil
}
