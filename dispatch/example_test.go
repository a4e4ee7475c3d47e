package dispatch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rpcexec/rpcexec/dispatch"
)

type EchoArgs struct {
	Value int `json:"value"`
}

type EchoReply struct {
	Value     int    `json:"value"`
	RequestID string `json:"request_id"`
}

func Example() {
	control := dispatch.NewEndpoint(dispatch.Target{Namespace: "control", Version: "2.5"})
	dispatch.Handle(control, "echo", func(ctx context.Context, a EchoArgs) (EchoReply, error) {
		return EchoReply{Value: a.Value, RequestID: dispatch.FromContext(ctx).RequestID()}, nil
	})
	d := dispatch.New(control)

	// What the wire layer hands over for
	// {"method": "echo", "namespace": "control", "version": "2.3", "args": {"value": 42},
	//  "_context_request_id": "req-1", ...}
	ctx := dispatch.NewContext(context.Background(), dispatch.CallerContext{"request_id": "req-1"})
	res, err := d.Dispatch(ctx, dispatch.Request{
		Namespace: "control", Version: "2.3", Method: "echo", Args: json.RawMessage(`{"value": 42}`),
	})
	out, _ := json.Marshal(res)
	fmt.Println(string(out), err)

	_, err = d.Dispatch(ctx, dispatch.Request{Namespace: "control", Version: "2.6", Method: "echo"})
	fmt.Println(errors.Is(err, dispatch.ErrUnsupportedVersion), err)

	_, err = d.Dispatch(ctx, dispatch.Request{
		Namespace: "control", Version: "2.5", Method: "echo", Args: json.RawMessage(`{"valeu": 1}`),
	})
	var rpcErr *dispatch.Error
	if errors.As(err, &rpcErr) {
		fmt.Println(rpcErr.Module, rpcErr.Class, rpcErr.Message)
	}
	// Output:
	// {"value":42,"request_id":"req-1"} <nil>
	// true UnsupportedVersion: Endpoint does not support RPC version 2.6. Attempted method: echo
	// builtins TypeError echo() got an unexpected keyword argument 'valeu'
}
