package configload

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/rpcexec/rpcexec/internal/osloconf"
)

// Env overrides the fields of dst, a pointer to a struct, with each
// variable prefix+KEY (the key in upper case) that lookup finds. Each
// error names the key, the variable, the value and what is allowed.
func Env(dst any, prefix string, lookup func(string) (string, bool)) error {
	v, err := structOf(dst)
	if err != nil {
		return err
	}
	var errs []error
	fields(v, func(key string, f reflect.Value) {
		name := prefix + strings.ToUpper(key)
		raw, ok := lookup(name)
		if !ok {
			return
		}
		if err := SetString(f, raw); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s) = %q: %w", key, name, raw, err))
		}
	})
	return errors.Join(errs...)
}

// SetString sets f from text: through encoding.TextUnmarshaler when f has
// it, else as a string, an integer or a boolean, converted as oslo.config
// converts them (osloconf.ParseInt, osloconf.ParseBool).
func SetString(f reflect.Value, raw string) error {
	if u, ok := f.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(raw))
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(raw)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := osloconf.ParseInt(raw)
		if err != nil || f.OverflowInt(n) {
			return errors.New("want a whole number")
		}
		f.SetInt(n)
	case reflect.Bool:
		b, err := osloconf.ParseBool(raw)
		if err != nil {
			return err
		}
		f.SetBool(b)
	default:
		return fmt.Errorf("cannot be set from text (kind %s)", f.Kind())
	}
	return nil
}
