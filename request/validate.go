package request

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rpcexec/rpcexec/wire"
)

// Bounds on what a sender controls in a request.
const (
	// MaxNameBytes bounds _reply_q (an AMQP short string, as queue names and
	// routing keys are), _msg_id and _unique_id.
	MaxNameBytes = 255
	// MaxCallMonitor bounds _timeout, the call-monitor timeout a caller asks
	// for: a day is longer than any call a monitor makes sense for.
	MaxCallMonitor = 24 * time.Hour
)

// errInvalid is wrapped by every refusal of a request's routing fields.
var errInvalid = errors.New("invalid request")

// validate checks the fields of req that the server acts on before
// dispatch: where the reply goes, how it is keyed, how often the caller
// wants heartbeats. The method and args are the dispatcher's to judge.
func validate(req *wire.Request) error {
	if (req.MsgID == "") != (req.ReplyQ == "") {
		return fmt.Errorf("%w: a call needs both _msg_id and _reply_q, got only one", errInvalid)
	}
	for _, f := range []struct{ name, value string }{
		{"_reply_q", req.ReplyQ}, {"_msg_id", req.MsgID}, {"_unique_id", req.UniqueID},
	} {
		if len(f.value) > MaxNameBytes {
			return fmt.Errorf("%w: %s is %d bytes long, over the %d an AMQP short string allows",
				errInvalid, f.name, len(f.value), MaxNameBytes)
		}
	}
	if t := req.Timeout; math.IsNaN(t) || t < 0 || t > MaxCallMonitor.Seconds() {
		return fmt.Errorf("%w: _timeout %g: want seconds from 0 (none) to %g", errInvalid, t, MaxCallMonitor.Seconds())
	}
	return nil
}

// replyTarget is the part of req a refusal may answer: the caller, when
// req names one that can be answered.
func replyTarget(req *wire.Request) *wire.Request {
	if req == nil || req.MsgID == "" || req.ReplyQ == "" ||
		len(req.ReplyQ) > MaxNameBytes || len(req.MsgID) > MaxNameBytes {
		return nil
	}
	return &wire.Request{MsgID: req.MsgID, ReplyQ: req.ReplyQ}
}
