package osloconf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
)

// ErrConfigDir: a --config-dir that is missing or not a directory.
var ErrConfigDir = errors.New("osloconf: configuration directory")

// Source is one --config-file (Dir false) or --config-dir (Dir true)
// argument.
type Source struct {
	Path string
	Dir  bool
}

// Sources are --config-file and --config-dir arguments in command-line
// order, which is the order oslo.config reads them in: it parses each file
// and each directory as argparse meets the option, so a --config-file
// given after a --config-dir wins over the directory's files, and one
// given before it loses. Collect them with FileFlag and DirFlag.
type Sources []Source

// FileFlag is a flag.Value that appends a --config-file to s.
func (s *Sources) FileFlag() *SourceFlag { return &SourceFlag{s, false} }

// DirFlag is a flag.Value that appends a --config-dir to s.
func (s *Sources) DirFlag() *SourceFlag { return &SourceFlag{s, true} }

// SourceFlag is the flag.Value of FileFlag and DirFlag.
type SourceFlag struct {
	s   *Sources
	dir bool
}

func (f *SourceFlag) String() string {
	if f == nil || f.s == nil {
		return ""
	}
	var ps []string
	for _, src := range *f.s {
		if src.Dir == f.dir {
			ps = append(ps, src.Path)
		}
	}
	return strings.Join(ps, ",")
}

// Set appends one path.
func (f *SourceFlag) Set(path string) error {
	if path == "" {
		return errors.New("want a path")
	}
	*f.s = append(*f.s, Source{Path: path, Dir: f.dir})
	return nil
}

// Files returns the files to read, in order: each --config-file as it is,
// each --config-dir as its *.conf files sorted by name. Like Python's
// glob, "*.conf" is case-sensitive and skips names starting with "." (and
// keeps directories and dangling links, which Load then refuses). A
// leading "~" is the home directory, as oslo.config's expanduser has it.
// A --config-dir that does not exist is an error, as in oslo.config, and
// so is one that is not a directory (which oslo.config ignores in silence).
func (s Sources) Files() ([]string, error) {
	var out []string
	for _, src := range s {
		p := expandUser(src.Path)
		if !src.Dir {
			out = append(out, p)
			continue
		}
		entries, err := os.ReadDir(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%w %s not found: give an existing directory or drop --config-dir", ErrConfigDir, p)
		case err != nil:
			return nil, fmt.Errorf("%w %s: %w", ErrConfigDir, p, err)
		}
		var names []string
		for _, e := range entries {
			if n := e.Name(); strings.HasSuffix(n, ".conf") && !strings.HasPrefix(n, ".") {
				names = append(names, filepath.Join(p, n))
			}
		}
		slices.Sort(names)
		out = append(out, names...)
	}
	return out, nil
}

// Files is Sources.Files for callers that keep the two options apart:
// every --config-file first, then each --config-dir. That is oslo.config's
// order when the directories come after the files on the command line.
func Files(configFiles []string, configDirs ...string) ([]string, error) {
	var s Sources
	for _, f := range configFiles {
		s = append(s, Source{Path: f})
	}
	for _, d := range configDirs {
		s = append(s, Source{Path: d, Dir: true})
	}
	return s.Files()
}

// expandUser is Python's os.path.expanduser: "~" and "~/x" are the home
// directory, "~name/x" is name's; anything else, or an unknown user, is left.
func expandUser(p string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	name, rest, _ := strings.Cut(p[1:], "/")
	if name == "" {
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, rest)
		}
	} else if u, err := user.Lookup(name); err == nil {
		return filepath.Join(u.HomeDir, rest)
	}
	return p
}
