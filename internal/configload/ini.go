package configload

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/rpcexec/rpcexec/internal/osloconf"
)

// iniValues are the INI files' values for the struct's fields, resolved
// across all of them.
type iniValues struct {
	values        map[string]osloconf.Value // by field key
	unimplemented []string
	unknown       []error
}

// loadINI resolves files as oslo.config does and picks the values of the
// options v has fields for (see osloconf.GroupOf for where each is read).
func loadINI(v reflect.Value, files []string) (*iniValues, error) {
	oc, err := osloconf.Load(files...)
	if err != nil {
		return nil, err
	}
	iv := &iniValues{values: make(map[string]osloconf.Value)}
	var keys []string
	fields(v, func(key string, _ reflect.Value) {
		keys = append(keys, key)
		if val, ok := oc.Get(key); ok {
			iv.values[key] = val
		}
	})
	iv.unimplemented = oc.Unused(keys...)
	for _, u := range oc.Unknown {
		iv.unknown = append(iv.unknown, u)
	}
	return iv, nil
}

// apply sets the fields whose winning value file wrote.
func (iv *iniValues) apply(v reflect.Value, file string) error {
	var errs []error
	fields(v, func(key string, f reflect.Value) {
		val, ok := iv.values[key]
		if !ok || val.Origin().File != file {
			return
		}
		text, err := val.Canonical() // *osloconf.ValueError: file, line, section, key, value, allowed
		if err == nil {
			if err = SetString(f, text); err != nil {
				err = fmt.Errorf("%s = %q: %w", val.Origin(), val.Raw(), err)
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	})
	return errors.Join(errs...)
}
