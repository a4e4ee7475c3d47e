package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

type echoArgs struct {
	Value  int            `json:"value"`
	Name   string         `json:"name,omitempty"`
	Nested map[string]int `json:"nested"`
	Inner  *struct {
		X int `json:"x"`
	} `json:"inner"`
	Skip  string      `json:"-"`
	Stamp nullRefuser `json:"stamp"`
	embedded
}

type embedded struct {
	Promoted bool `json:"promoted"`
}

// nullRefuser is a field type whose UnmarshalJSON refuses null.
type nullRefuser struct{ set bool }

func (n *nullRefuser) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return errors.New("null refused")
	}
	n.set = true
	return nil
}

// decodeVia dispatches args to a method taking A and returns what it got.
func decodeVia[A any](args string) (A, error) {
	var got A
	e := NewEndpoint(Target{})
	Handle(e, "echo", func(_ context.Context, a A) (struct{}, error) {
		got = a
		return struct{}{}, nil
	})
	var raw json.RawMessage
	if args != "<nil>" {
		raw = json.RawMessage(args)
	}
	_, err := New(e).Dispatch(context.Background(), Request{Method: "echo", Args: raw})
	return got, err
}

func TestArgsAccepted(t *testing.T) {
	tests := []struct {
		name string
		args string
		want echoArgs
	}{
		{"nil args", "<nil>", echoArgs{}},
		{"empty args", "", echoArgs{}},
		{"empty object", "{}", echoArgs{}},
		{"fields", `{"value": 42, "name": "x"}`, echoArgs{Value: 42, Name: "x"}},
		{"case-insensitive names, as encoding/json", `{"VALUE": 7}`, echoArgs{Value: 7}},
		{"escaped known key", `{"\u0076alue": 8}`, echoArgs{Value: 8}},
		{"unknown keys nested are not checked", `{"inner": {"x": 1, "y": 2}}`, echoArgs{Inner: &struct {
			X int `json:"x"`
		}{X: 1}}},
		{"promoted field of an embedded struct", `{"promoted": true}`, echoArgs{embedded: embedded{Promoted: true}}},
		{"field given as null", `{"name": null}`, echoArgs{}},
		{"field whose type sees the value", `{"stamp": 1}`, echoArgs{Stamp: nullRefuser{set: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeVia[echoArgs](tt.args)
			if err != nil {
				t.Fatalf("args %s: got error %v, want none", tt.args, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("args %s: got %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}

func TestArgsRejected(t *testing.T) {
	tests := []struct {
		name   string
		decode func(args string) error
		args   string
		want   string // the whole message
	}{
		{"array", decodeErr[echoArgs], `[1]`, "echo() args must be a JSON object, not array"},
		{"string", decodeErr[echoArgs], `"x"`, "echo() args must be a JSON object, not string"},
		{"null", decodeErr[echoArgs], `null`, "echo() args must be a JSON object, not null"},
		{"number", decodeErr[echoArgs], ` 3`, "echo() args must be a JSON object, not number"},
		{"blank", decodeErr[echoArgs], `  `, "echo() args must be a JSON object, not empty"},
		{"map A, not an object", decodeErr[map[string]any], `[]`, "echo() args must be a JSON object, not array"},
		{"unknown key", decodeErr[echoArgs], `{"value": 1, "bogus": 2}`, "echo() got an unexpected keyword argument 'bogus'"},
		{"escaped unknown key", decodeErr[echoArgs], `{"\u0062ogus": 2}`, "echo() got an unexpected keyword argument 'bogus'"},
		{"key of a json:\"-\" field", decodeErr[echoArgs], `{"Skip": "x"}`, "echo() got an unexpected keyword argument 'Skip'"},
		{"any key for struct{}", decodeErr[struct{}], `{"a": 1}`, "echo() got an unexpected keyword argument 'a'"},
		{"unknown key for *struct", decodeErr[*echoArgs], `{"value": 1, "zz": 0}`, "echo() got an unexpected keyword argument 'zz'"},
		{"wrong type", decodeErr[echoArgs], `{"value": "42"}`,
			"echo() got bad arguments: json: cannot unmarshal string into Go struct field echoArgs.value of type int"},
		{"truncated", decodeErr[echoArgs], `{"value": `, "echo() got bad arguments: unexpected end of JSON input"},
		{"type refusing the value", decodeErr[echoArgs], `{"stamp": null}`, "echo() got bad arguments: null refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.decode(tt.args)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrBadArguments) {
				t.Fatalf("args %s: got error %v, want an *Error wrapping ErrBadArguments", tt.args, err)
			}
			if e.Class != "TypeError" || e.Module != "builtins" {
				t.Errorf("args %s: got class %s.%s, want builtins.TypeError", tt.args, e.Module, e.Class)
			}
			if e.Message != tt.want {
				t.Errorf("args %s: got message %q, want %q", tt.args, e.Message, tt.want)
			}
			if len(e.Args) != 1 || e.Args[0] != e.Message {
				t.Errorf("args %s: got Args %q, want [message]", tt.args, e.Args)
			}
		})
	}
}

func decodeErr[A any](args string) error {
	_, err := decodeVia[A](args)
	return err
}

func TestArgsMapTakesAnyKey(t *testing.T) {
	got, err := decodeVia[map[string]any](`{"a": 1, "b": {"c": 2}}`)
	if err != nil || len(got) != 2 {
		t.Errorf("got %v, %v; want both keys, no error", got, err)
	}
}

// TestArgsKnownKeyCache checks that case variants stop being remembered at
// the bound yet are still accepted.
func TestArgsKnownKeyCache(t *testing.T) {
	type abc struct {
		Abcdefghij int `json:"abcdefghij"`
	}
	d := newArgs[abc]("m")
	name := "abcdefghij"
	for i := range 2 * maxKnownKeys {
		var b strings.Builder
		for j, c := range name {
			if i&(1<<j) != 0 {
				c -= 'a' - 'A'
			}
			b.WriteRune(c)
		}
		if key := `"` + b.String() + `"`; !d.accepts([]byte(key)) {
			t.Fatalf("key %s: got rejected, want accepted", key)
		}
	}
	if got := len(*d.known.Load()); got != maxKnownKeys {
		t.Errorf("got %d cached keys, want %d", got, maxKnownKeys)
	}
}

// TestMain checks that no test leaves goroutines behind (TestArgsConcurrent
// starts some).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestArgsConcurrent fills the key cache from many goroutines (run with -race).
func TestArgsConcurrent(t *testing.T) {
	e := NewEndpoint(Target{})
	Handle(e, "echo", func(_ context.Context, a echoArgs) (int, error) { return a.Value, nil })
	d := New(e)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				args := fmt.Sprintf(`{"value": %d, "NAME": "n", "Nested": {}, "promoted": true}`, i)
				if g%2 == 0 {
					args = fmt.Sprintf(`{"Value": %d}`, i)
				}
				got, err := d.Dispatch(context.Background(), Request{Method: "echo", Args: json.RawMessage(args)})
				if err != nil || got != i {
					t.Errorf("args %s: got %v, %v; want %d", args, got, err, i)
					return
				}
			}
		})
	}
	wg.Wait()
}
