package osloconf

import (
	"path/filepath"
	"strings"
)

// Format is a configuration file's syntax.
type Format int

// The formats rpcexec reads.
const (
	// YAML covers JSON, which is YAML too.
	YAML Format = iota
	// INI is oslo.config's INI.
	INI
)

func (f Format) String() string {
	if f == INI {
		return "INI"
	}
	return "YAML"
}

// DetectFormat tells a file's format by its extension: .conf and .ini are
// INI; .yaml, .yml and .json are YAML. Any other name is INI when the first
// line that is neither blank nor a comment (# or ;) is a [section] header,
// else YAML. ("[DEFAULT]" alone is also a YAML list; a header holding a
// quote, comma or bracket is taken for YAML or JSON.)
func DetectFormat(path string, data []byte) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".conf", ".ini":
		return INI
	case ".yaml", ".yml", ".json":
		return YAML
	}
	for _, line := range splitLines(data) {
		line = pyStrip(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if len(line) > 2 && line[0] == '[' && line[len(line)-1] == ']' &&
			!strings.ContainsAny(line[1:len(line)-1], `[]{}"',`) {
			return INI
		}
		return YAML
	}
	return YAML
}
