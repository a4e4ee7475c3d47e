package dispatch

import (
	"context"
	"strings"
	"testing"
)

func noop(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil }

func TestRegistrationPanics(t *testing.T) {
	tests := []struct {
		name string
		do   func()
		want string // in the panic text
	}{
		{"empty name", func() { Handle(NewEndpoint(Target{}), "", noop) }, "empty method name"},
		{"private name", func() { Handle(NewEndpoint(Target{}), "_secret", noop) }, "never exposed"},
		{"nil function", func() {
			Handle[struct{}, struct{}](NewEndpoint(Target{}), "m", nil)
		}, "nil function"},
		{"registered twice", func() {
			e := NewEndpoint(Target{Namespace: "ns"})
			Handle(e, "m", noop)
			Handle(e, "m", noop)
		}, "registered twice"},
		{"after New", func() {
			e := NewEndpoint(Target{})
			New(e)
			Handle(e, "m", noop)
		}, "already passed to New"},
		{"malformed target version", func() { NewEndpoint(Target{Version: "2"}) }, "malformed version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.HasPrefix(s, "dispatch: ") || !strings.Contains(s, tt.want) {
					t.Errorf("got panic %v, want one starting %q and containing %q", r, "dispatch: ", tt.want)
				}
			}()
			tt.do()
		})
	}
}

func TestEndpointTarget(t *testing.T) {
	want := Target{Namespace: "control", Version: "2.5"}
	if got := NewEndpoint(want).Target(); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
