package configload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"gopkg.in/yaml.v3"
)

// Aliases are other names a YAML file may give a key: oslo.messaging
// 14.0.3 spells two quorum options "quroum", and files written for it say
// so. (INI files get the same from osloconf.GroupOf.)
var Aliases = map[string]string{
	"rabbit_quroum_max_memory_length": "rabbit_quorum_max_memory_length",
	"rabbit_quroum_max_memory_bytes":  "rabbit_quorum_max_memory_bytes",
}

// applyYAML decodes a YAML or JSON file into v; a key v has no field for
// is an error.
func applyYAML(v reflect.Value, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading configuration: %w", err)
	}
	if data, err = renameAliases(data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v.Addr().Interface()); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// renameAliases rewrites the top-level keys of data that are Aliases to
// their names. data is returned as it is when it has none, so error line
// numbers stay those of the file.
func renameAliases(data []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return data, nil // the decoder reports it
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return data, nil
	}
	seen := make(map[string]string)
	renamed := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		name := k.Value
		if to, ok := Aliases[name]; ok {
			k.Value, renamed = to, true
		}
		if first, ok := seen[k.Value]; ok && first != name {
			return nil, fmt.Errorf("line %d: %s and %s are the same option: keep one", k.Line, first, name)
		}
		seen[k.Value] = name
	}
	if !renamed {
		return data, nil
	}
	return yaml.Marshal(&doc)
}
