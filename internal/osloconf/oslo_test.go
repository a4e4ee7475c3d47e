package osloconf

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The tests here run oslo.config and oslo.messaging themselves, with
// Debian's /usr/bin/python3, and skip where they are not installed.

const python = "/usr/bin/python3"

func needOslo(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the comparisons with oslo.config itself are skipped")
	}
	if err := exec.Command(python, "-c", "import oslo_config, oslo_messaging").Run(); err != nil {
		t.Skipf("oslo.config and oslo.messaging not importable by %s: %v", python, err)
	}
}

// runPython runs a script of testdata with args and decodes its JSON output.
func runPython(t *testing.T, script string, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(python, append([]string{filepath.Join("testdata", script)}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONUTF8=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderr.String())
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s: decoding %q: %v", script, data, err)
	}
}

type osloParse struct {
	Sections map[string]map[string][]string `json:"sections"`
	Error    string                         `json:"error"`
	Line     int                            `json:"line"`
}

// osloParseAll parses each input with oslo.config's parser, in one run.
func osloParseAll(t *testing.T, inputs []string) []osloParse {
	dir := t.TempDir()
	var paths []string
	for i, in := range inputs {
		p := filepath.Join(dir, fmt.Sprintf("%d.conf", i))
		if err := os.WriteFile(p, []byte(in), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	var got []osloParse
	runPython(t, "oslo_ini.py", &got, paths...)
	if len(got) != len(inputs) {
		t.Fatalf("oslo_ini.py: got %d results, want %d", len(got), len(inputs))
	}
	return got
}

// sameAsOslo compares Parse's result for in with oslo's; "" when equal.
func sameAsOslo(in string, want osloParse) string {
	f, err := Parse("x.conf", strings.NewReader(in))
	if want.Error != "" {
		se, ok := err.(*SyntaxError)
		switch {
		case !ok:
			return fmt.Sprintf("got %v, want oslo's error at line %d: %s", err, want.Line, want.Error)
		case se.Line != want.Line && want.Error != "Section must be started before assignment":
			// oslo reports a key before any section on the line after it.
			return fmt.Sprintf("got error at line %d (%v), want line %d: %s", se.Line, err, want.Line, want.Error)
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("got error %v, oslo accepts it: %v", err, want.Sections)
	}
	got := map[string]map[string][]string{}
	for _, h := range f.Headers {
		if got[h.Section] == nil {
			got[h.Section] = map[string][]string{}
		}
	}
	for _, e := range f.Entries {
		got[e.Section][e.Key] = append(got[e.Section][e.Key], e.Value)
	}
	if want.Sections == nil {
		want.Sections = map[string]map[string][]string{}
	}
	for s, m := range want.Sections {
		if m == nil {
			want.Sections[s] = map[string][]string{}
		}
	}
	if !reflect.DeepEqual(got, want.Sections) {
		return fmt.Sprintf("got %q, oslo reads %q", got, want.Sections)
	}
	return ""
}

func TestParseMatchesOslo(t *testing.T) {
	needOslo(t)
	var inputs []string
	for _, tc := range parseCases {
		inputs = append(inputs, tc.in)
	}
	for i, want := range osloParseAll(t, inputs) {
		if diff := sameAsOslo(inputs[i], want); diff != "" {
			t.Errorf("%s: Parse(%q): %s", parseCases[i].name, inputs[i], diff)
		}
	}
}

// TestParseMatchesOsloRandom compares Parse with oslo's parser on inputs
// made of the pieces that matter to the syntax.
func TestParseMatchesOsloRandom(t *testing.T) {
	needOslo(t)
	pieces := []string{"[", "]", "DEFAULT", "a", "b", "=", ":", " ", "  ", "\t", "\n", "\n", "\n",
		"\r", "\r\n", "#", ";", `"`, "'", "\u00a0", "\x1c", "\x0b", "$", "k = v"}
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := make([]string, 3000)
	for i := range inputs {
		var b strings.Builder
		if rng.IntN(2) == 0 {
			b.WriteString("[s]\n")
		}
		for range rng.IntN(24) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		inputs[i] = b.String()
	}
	failures := 0
	for i, want := range osloParseAll(t, inputs) {
		if diff := sameAsOslo(inputs[i], want); diff != "" {
			t.Errorf("Parse(%q): %s", inputs[i], diff)
			if failures++; failures > 10 {
				t.Fatal("too many differences")
			}
		}
	}
}

// osloShow renders oslo's JSON value as show renders ours.
func osloShow(r map[string]any) string {
	if _, bad := r["error"]; bad {
		return "error"
	}
	switch x := r["value"].(type) {
	case nil:
		return "error" // None: Value.Int refuses an empty number
	case []any:
		s := make([]string, len(x))
		for i, v := range x {
			s[i] = fmt.Sprint(v)
		}
		return fmt.Sprintf("%q", s)
	default:
		return fmt.Sprint(x)
	}
}

func TestLoadMatchesOslo(t *testing.T) {
	needOslo(t)
	var cases []loadCase
	for _, tc := range loadCases {
		if tc.goOnly == "" {
			cases = append(cases, tc)
		}
	}
	cases = append(cases, loadCase{name: "nova.conf",
		files: []string{readTestdata(t, "nova.conf"), readTestdata(t, "nova-override.conf")}})
	var args []string
	paths := make([][]string, len(cases))
	for i, tc := range cases {
		paths[i] = writeFiles(t, tc.files)
		if i > 0 {
			args = append(args, "--")
		}
		args = append(args, paths[i]...)
	}
	var oslo []map[string]map[string]any
	runPython(t, "oslo_values.py", &oslo, args...)
	for i, tc := range cases {
		c, err := Load(paths[i]...)
		if err != nil {
			t.Fatalf("%s: Load: %v", tc.name, err)
		}
		got := shown(c)
		for k, r := range oslo[i] {
			if want := osloShow(r); got[k] != want {
				t.Errorf("%s: %s: got %q, oslo reads %q", tc.name, k, got[k], want)
			}
		}
		for k, g := range got {
			if _, ok := oslo[i][k]; !ok {
				t.Errorf("%s: %s: got %q, oslo reads nothing", tc.name, k, g)
			}
		}
	}
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
