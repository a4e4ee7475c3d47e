package osloconf

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// parseCase is an input and what oslo.config's parser makes of it: entries
// as "section|key|value", or a syntax error on a line.
type parseCase struct {
	name    string
	in      string
	want    []string
	wantErr int // the line of the expected *SyntaxError; 0 for none
}

// parseCases are also run through oslo.config itself (TestParseMatchesOslo).
var parseCases = []parseCase{
	{name: "empty", in: "", want: nil},
	{name: "equals and colon", in: "[DEFAULT]\na = 1\nb: 2\nc=3\n", want: []string{"DEFAULT|a|1", "DEFAULT|b|2", "DEFAULT|c|3"}},
	{name: "first of = and : splits", in: "[DEFAULT]\nfoo: bar = baz\nurl = rabbit://u:p@h:5672/\n",
		want: []string{"DEFAULT|foo|bar = baz", "DEFAULT|url|rabbit://u:p@h:5672/"}},
	{name: "comments in the first column only", in: "# top\n[DEFAULT]\n; semi\n#key = 1\na = b # not a comment\nc = d ; nor this\n",
		want: []string{"DEFAULT|a|b # not a comment", "DEFAULT|c|d ; nor this"}},
	{name: "indented comment continues the value", in: "[DEFAULT]\na = b\n  # c\n", want: []string{"DEFAULT|a|b\n# c"}},
	{name: "continuation lines", in: "[DEFAULT]\na = one\n   two\n\tthree\nb = 2\n", want: []string{"DEFAULT|a|one\ntwo\nthree", "DEFAULT|b|2"}},
	{name: "empty first line of a continued value", in: "[DEFAULT]\na =\n  x\n", want: []string{"DEFAULT|a|\nx"}},
	{name: "repeated keys and sections accumulate", in: "[DEFAULT]\na = 1\na = 2\n[x]\na = 9\n[DEFAULT]\na = 3\n",
		want: []string{"DEFAULT|a|1", "DEFAULT|a|2", "x|a|9", "DEFAULT|a|3"}},
	{name: "matching quotes stripped once", in: "[s]\na = \"x y\"\nb = 'q'\nc = 'x\"\nd = \"a\"b\"\ne = \"\"\"t\"\"\"\nf = \"\n",
		want: []string{"s|a|x y", "s|b|q", "s|c|'x\"", "s|d|a\"b", "s|e|\"\"t\"\"", "s|f|"}},
	{name: "quotes of continued values kept", in: "[s]\na = \"x\n  y\"\n", want: []string{"s|a|\"x\ny\""}},
	{name: "key spaces stripped, case kept", in: "[s]\n  \nKey Name   =   v  \n", want: []string{"s|Key Name|v"}},
	{name: "section names as written", in: "[ DEFAULT ]\na=1\n[OSLO_Messaging_Rabbit]\nb=2\n[a]b]\n[]]\n",
		want: []string{" DEFAULT |a|1", "OSLO_Messaging_Rabbit|b|2"}},
	{name: "CR and CRLF line ends", in: "[DEFAULT]\ra = 1\r\nb = 2\r", want: []string{"DEFAULT|a|1", "DEFAULT|b|2"}},
	{name: "Python whitespace stripped", in: "[s]\na = b\u00a0\x1c\n\u00a0c = d\n\x0ce = f\n", want: []string{"s|a|b", "s|c|d", "s|e|f"}},
	{name: "blank line of Python whitespace ends a value", in: "[s]\na = 1\n\u2003\nb = 2\n", want: []string{"s|a|1", "s|b|2"}},
	{name: "no final newline", in: "[s]\na = 1", want: []string{"s|a|1"}},
	{name: "empty value", in: "[s]\na =\nb:\n", want: []string{"s|a|", "s|b|"}},

	{name: "no = or :", in: "[DEFAULT]\na = 1\ngarbage\n", wantErr: 3},
	{name: "key before any section", in: "a = 1\n[DEFAULT]\n", wantErr: 1},
	{name: "indented comment after a header", in: "[DEFAULT]\n  # c\na = 1\n", wantErr: 2},
	{name: "continuation after a blank line", in: "[s]\na = 1\n\n  b\n", wantErr: 4},
	{name: "continuation after a comment", in: "[s]\na = 1\n# c\n  b\n", wantErr: 4},
	{name: "indented key after a header", in: "[s]\n  a = 1\n", wantErr: 2},
	{name: "indented empty key", in: "[s]\n = 1\n", wantErr: 2},
	{name: "empty key", in: "[s]\n= 1\n", wantErr: 2},
	{name: "comment after a header", in: "[DEFAULT] # main\n", wantErr: 1},
	{name: "unclosed header", in: "[s]\n[DEFAULT\n", wantErr: 2},
	{name: "lone bracket", in: "[\n", wantErr: 1},
	{name: "empty section name", in: "[]\n", wantErr: 1},
	{name: "byte order mark", in: "\ufeff[DEFAULT]\na = 1\n", wantErr: 1},
	{name: "vertical tab is no indentation", in: "[s]\na = 1\n\x0bb\n", wantErr: 3},
}

func entriesOf(f *File) []string {
	var out []string
	for _, e := range f.Entries {
		out = append(out, e.Section+"|"+e.Key+"|"+e.Value)
	}
	return out
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("test.conf", strings.NewReader(tc.in))
			if tc.wantErr != 0 {
				var se *SyntaxError
				if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
					t.Fatalf("Parse(%q): got error %v, want a *SyntaxError", tc.in, err)
				}
				if se.File != "test.conf" || se.Line != tc.wantErr {
					t.Errorf("Parse(%q): got error at %s:%d, want test.conf:%d", tc.in, se.File, se.Line, tc.wantErr)
				}
				if want := fmt.Sprintf("test.conf:%d: ", tc.wantErr); !strings.Contains(err.Error(), want) {
					t.Errorf("Parse(%q): got message %q, want it to contain %q", tc.in, err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): got error %v, want none", tc.in, err)
			}
			if got := entriesOf(f); !slices.Equal(got, tc.want) {
				t.Errorf("Parse(%q):\ngot  %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseLines(t *testing.T) {
	f, err := Parse("x.conf", strings.NewReader("# c\n[a]\nk = 1\n  more\n\n[b]\r\nj = 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	gotHeaders := fmt.Sprint(f.Headers)
	if want := "[{a 2} {b 6}]"; gotHeaders != want {
		t.Errorf("headers: got %s, want %s", gotHeaders, want)
	}
	var lines []int
	for _, e := range f.Entries {
		lines = append(lines, e.Line)
	}
	if want := []int{3, 7}; !slices.Equal(lines, want) {
		t.Errorf("entry lines: got %v, want %v", lines, want)
	}
}

func TestParseNotUTF8(t *testing.T) {
	_, err := Parse("bad.conf", strings.NewReader("[s]\na = \xff\n"))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 2 {
		t.Fatalf("got %v, want a *SyntaxError on line 2", err)
	}
}

func TestSyntaxErrorHidesSecrets(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"continuation of a transport URL", "[DEFAULT]\ntransport_url = rabbit://nova:pw0@h1,\n\n    nova:pw0@h2/\n"},
		{"broken password line", "[keystone_authtoken]\npassword pw0\n"},
		{"token line", "[DEFAULT]\n  token pw0\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("n.conf", strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("got no error, want a syntax error")
			}
			if strings.Contains(err.Error(), "pw0") {
				t.Errorf("got %q, want no secret in it", err)
			}
		})
	}
}
