package clustertest

import (
	"slices"
	"strings"
	"testing"
)

func TestParseState(t *testing.T) {
	const good = `# written by scripts/rabbit-cluster up
NODE_PREFIX=rpcexec-c
NODES=a@localhost b@localhost
AMQP_URLS=amqp://guest:guest@127.0.0.1:5681/ amqp://guest:guest@127.0.0.1:5682/
URL=rabbit://guest:guest@127.0.0.1:5681,guest:guest@127.0.0.1:5682/
`
	tests := []struct {
		name    string
		text    string
		wantErr string // "" for success
	}{
		{"recorded by up", good, ""},
		{"no trailing newline", strings.TrimSuffix(good, "\n"), ""},
		{"empty", "", "no NODES"},
		{"a URL short", strings.Replace(good, " amqp://guest:guest@127.0.0.1:5682/", "", 1), "2 NODES but 1 AMQP_URLS"},
		{"no URL", strings.Replace(good, "URL=rabbit", "XURL=rabbit", 1), "no URL"},
		{"not KEY=VALUE", good + "garbage\n", `line "garbage" is not KEY=VALUE`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseState(tc.text)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("parseState: got error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseState: got error %v, want none", err)
			}
			if want := []string{"a@localhost", "b@localhost"}; !slices.Equal(s.nodes, want) {
				t.Errorf("nodes: got %q, want %q", s.nodes, want)
			}
			if want := "amqp://guest:guest@127.0.0.1:5682/"; s.amqpURLs[1] != want {
				t.Errorf("AMQP URL of node 2: got %q, want %q", s.amqpURLs[1], want)
			}
			if want := "rabbit://guest:guest@127.0.0.1:5681,guest:guest@127.0.0.1:5682/"; s.url != want {
				t.Errorf("URL: got %q, want %q", s.url, want)
			}
		})
	}
}
