package osloconf

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Join(dir, "nova.conf.d")
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"20-b.conf", "10-a.conf", ".hidden.conf", "UPPER.CONF", "notes.txt", "x.conf.bak"} {
		if err := os.WriteFile(filepath.Join(d, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(d, "10-a.conf"), filepath.Join(d, "20-b.conf")
	tests := []struct {
		name    string
		src     Sources
		want    []string
		wantErr bool
	}{
		{name: "files as given", src: Sources{{Path: "/etc/nova/nova.conf"}, {Path: "x.conf"}},
			want: []string{"/etc/nova/nova.conf", "x.conf"}},
		{name: "dir: *.conf sorted, no hidden, case matters", src: Sources{{Path: d, Dir: true}}, want: []string{a, b}},
		{name: "file before dir loses to it", src: Sources{{Path: "f.conf"}, {Path: d, Dir: true}}, want: []string{"f.conf", a, b}},
		{name: "file after dir wins over it", src: Sources{{Path: d, Dir: true}, {Path: "f.conf"}}, want: []string{a, b, "f.conf"}},
		{name: "empty dir", src: Sources{{Path: empty, Dir: true}}, want: nil},
		{name: "missing dir", src: Sources{{Path: filepath.Join(dir, "nope"), Dir: true}}, wantErr: true},
		{name: "dir that is a file", src: Sources{{Path: a, Dir: true}}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.src.Files()
			if tc.wantErr {
				if !errors.Is(err, ErrConfigDir) {
					t.Errorf("got %v, %v, want an ErrConfigDir", got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("got %q, %v, want %q", got, err, tc.want)
			}
		})
	}
	got, err := Files([]string{"f.conf"}, d)
	if want := []string{"f.conf", a, b}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Files: got %q, %v, want %q", got, err, want)
	}
}

func TestSourceFlags(t *testing.T) {
	var src Sources
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Var(src.FileFlag(), "config-file", "")
	fs.Var(src.DirFlag(), "config-dir", "")
	if err := fs.Parse([]string{"--config-file", "a.conf", "--config-dir=/d", "--config-file", "b.conf"}); err != nil {
		t.Fatal(err)
	}
	want := Sources{{Path: "a.conf"}, {Path: "/d", Dir: true}, {Path: "b.conf"}}
	if !slices.Equal(src, want) {
		t.Errorf("got %v, want %v (command-line order)", src, want)
	}
	if got := fs.Lookup("config-file").Value.String(); got != "a.conf,b.conf" {
		t.Errorf("config-file flag: got %q, want a.conf,b.conf", got)
	}
}

func TestExpandUser(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip(err)
	}
	tests := []struct{ in, want string }{
		{"~", home}, {"~/nova.conf", filepath.Join(home, "nova.conf")}, {"/etc/x", "/etc/x"},
		{"x~", "x~"}, {"~no-such-user-here/x", "~no-such-user-here/x"},
	}
	for _, tc := range tests {
		if got := expandUser(tc.in); got != tc.want {
			t.Errorf("expandUser(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name, path, data string
		want             Format
	}{
		{"conf", "/etc/nova/nova.conf", "a: 1\n", INI},
		{"ini", "x.INI", "", INI},
		{"yaml", "x.yaml", "[DEFAULT]\n", YAML},
		{"yml", "x.yml", "", YAML},
		{"json", "x.json", "", YAML},
		{"header after comments", "nova", "# c\n; c\n\n[DEFAULT]\n", INI},
		{"yaml content", "config", "# c\ntransport_url: memory://\n", YAML},
		{"json content", "config", "{\"executor\": \"pool\"}\n", YAML},
		{"json list", "config", "[\"a\", \"b\"]\n", YAML},
		{"empty", "config", "", YAML},
	}
	for _, tc := range tests {
		if got := DetectFormat(tc.path, []byte(tc.data)); got != tc.want {
			t.Errorf("%s: DetectFormat(%q): got %s, want %s", tc.name, tc.path, got, tc.want)
		}
	}
}
