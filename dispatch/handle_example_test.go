package dispatch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rpcexec/rpcexec/dispatch"
)

// ResizeArgs are a method's keyword arguments: a struct refuses unknown
// keys with a TypeError, as Python does for unexpected keyword arguments.
type ResizeArgs struct {
	InstanceID string `json:"instance_id"`
	Flavor     string `json:"flavor"`
}

// Handle registers a typed method: args decode into A, the result encodes
// from R, and an error goes back as an oslo failure. A handler that
// returns a *dispatch.Error picks the Python class and module a caller
// rebuilds.
func ExampleHandle() {
	ep := dispatch.NewEndpoint(dispatch.Target{Version: "5.0"})
	dispatch.Handle(ep, "resize", func(ctx context.Context, a ResizeArgs) (map[string]string, error) {
		if a.Flavor == "" {
			return nil, &dispatch.Error{Class: "FlavorNotFound", Module: "nova.exception", Message: "Flavor could not be found."}
		}
		return map[string]string{"instance_id": a.InstanceID, "flavor": a.Flavor}, nil
	})
	d := dispatch.New(ep)

	res, err := d.Dispatch(context.Background(), dispatch.Request{Version: "5.0", Method: "resize",
		Args: json.RawMessage(`{"instance_id": "vm-1", "flavor": "m1.small"}`)})
	fmt.Println(res, err)
	_, err = d.Dispatch(context.Background(), dispatch.Request{Version: "5.0", Method: "resize",
		Args: json.RawMessage(`{"instance_id": "vm-1"}`)})
	fmt.Println(err)
	_, err = d.Dispatch(context.Background(), dispatch.Request{Version: "5.0", Method: "resize",
		Args: json.RawMessage(`{"instance": "vm-1"}`)})
	fmt.Println(errors.Is(err, dispatch.ErrBadArguments))
	// Output:
	// map[flavor:m1.small instance_id:vm-1] <nil>
	// FlavorNotFound: Flavor could not be found.
	// true
}
