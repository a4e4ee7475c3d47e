package dispatch

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// scanKeys lists the top-level keys of obj with the scanner, quotes kept.
func scanKeys(obj []byte) []string {
	var keys []string
	for i := firstKey(obj); obj[i] != '}'; {
		var key []byte
		key, i = nextKey(obj, i)
		keys = append(keys, string(key))
	}
	return keys
}

// jsonKeys lists the top-level keys of obj with encoding/json, re-quoted.
func jsonKeys(t *testing.T, obj []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		k, _ := json.Marshal(tok)
		keys = append(keys, string(k))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestScanKeys(t *testing.T) {
	tests := []struct {
		name string
		obj  string
		want []string
	}{
		{"empty", `{}`, nil},
		{"empty with spaces", " \n{ \t}\r\n", nil},
		{"scalars", `{"a":1,"b":true,"c":null,"d":-1.5e3}`, []string{`"a"`, `"b"`, `"c"`, `"d"`}},
		{"spaces everywhere", ` { "a" : 1 , "b" : "x" } `, []string{`"a"`, `"b"`}},
		{"nested keys are skipped", `{"a":{"x":{"y":[1,{"z":2}]}},"b":[[],{}]}`, []string{`"a"`, `"b"`}},
		{"brackets and quotes in strings", `{"a":"}]\"{[","b":["\\",")"]}`, []string{`"a"`, `"b"`}},
		{"escaped key kept as sent", `{"\u0061\"":1}`, []string{`"\u0061\""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scanKeys([]byte(tt.obj)); !slices.Equal(got, tt.want) {
				t.Errorf("scanKeys(%s) = %q, want %q", tt.obj, got, tt.want)
			}
		})
	}
}

// FuzzScanKeys checks the scanner against encoding/json on every object
// json.Unmarshal accepts, which is all the scanner is ever given.
func FuzzScanKeys(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":{"b":[1,"}"]},"c":"\""}`, ` {"x" : [ ] } `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		obj := []byte(s)
		var m map[string]json.RawMessage
		if json.Unmarshal(obj, &m) != nil || m == nil {
			return
		}
		got := scanKeys(obj)
		want := jsonKeys(t, obj)
		if len(got) != len(want) {
			t.Fatalf("scanKeys(%q) = %q, want %d keys %q", s, got, len(want), want)
		}
		for i := range got {
			var g, w string
			if json.Unmarshal([]byte(got[i]), &g) != nil || json.Unmarshal([]byte(want[i]), &w) != nil || g != w {
				t.Fatalf("scanKeys(%q) key %d = %s, want %s", s, i, got[i], want[i])
			}
		}
	})
}
