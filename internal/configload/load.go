package configload

import (
	"errors"
	"fmt"
	"os"
	"reflect"

	"github.com/rpcexec/rpcexec/internal/osloconf"
)

// Notes are what loading found that is worth a log line but no error.
type Notes struct {
	// Files are the files read, in order.
	Files []string
	// Unimplemented are the oslo.messaging options that INI files set and
	// the struct has no field for, as "group.name".
	Unimplemented []string
	// Unknown are keys and sections in [oslo_messaging_*] sections that
	// oslo.messaging does not have, each naming file, line, section and
	// key (*osloconf.UnknownOption).
	Unknown []error
}

// Files overlays dst, a pointer to a struct, with each file in paths in
// order (see the package documentation).
func Files(dst any, paths ...string) (Notes, error) {
	v, err := structOf(dst)
	if err != nil {
		return Notes{}, err
	}
	notes := Notes{Files: paths}
	formats := make([]osloconf.Format, len(paths))
	var iniFiles []string
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return notes, fmt.Errorf("reading configuration: %w", err)
		}
		if formats[i] = osloconf.DetectFormat(p, data); formats[i] == osloconf.INI {
			iniFiles = append(iniFiles, p)
		}
	}
	var ini *iniValues
	if len(iniFiles) > 0 {
		if ini, err = loadINI(v, iniFiles); err != nil {
			return notes, err
		}
		notes.Unimplemented, notes.Unknown = ini.unimplemented, ini.unknown
	}
	var errs []error
	for i, p := range paths {
		if formats[i] == osloconf.INI {
			errs = append(errs, ini.apply(v, p))
			continue
		}
		errs = append(errs, applyYAML(v, p))
	}
	return notes, errors.Join(errs...)
}

func structOf(dst any) (reflect.Value, error) {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, fmt.Errorf("configload: want a pointer to a struct, got %T", dst)
	}
	return v.Elem(), nil
}

// fields calls f with each loadable field of v and its key.
func fields(v reflect.Value, f func(key string, field reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		if key := keyOf(t.Field(i)); key != "" {
			f(key, v.Field(i))
		}
	}
}

// keyOf is a field's configuration key: its yaml tag's name, or "" when
// the field is not loaded.
func keyOf(sf reflect.StructField) string {
	if !sf.IsExported() {
		return ""
	}
	tag := sf.Tag.Get("yaml")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			tag = tag[:i]
			break
		}
	}
	if tag == "-" {
		return ""
	}
	return tag
}
