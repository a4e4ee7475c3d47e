package rpcexec

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts the environment variables that override configuration:
// RPCEXEC_ plus the key in upper case, e.g. RPCEXEC_EXECUTOR=goroutine.
const EnvPrefix = "RPCEXEC_"

// LoadConfig returns DefaultConfig overlaid with the YAML (or JSON) file at
// path, when path is not empty, then with the environment; then validates.
// Unknown keys in the file are errors, so a misspelt option is not ignored.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("rpcexec: reading configuration: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("%w: %s: %v", ErrInvalidConfig, path, err)
		}
	}
	if err := cfg.ApplyEnv(os.LookupEnv); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// ApplyEnv overrides c with each RPCEXEC_<KEY> that lookup finds.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) error {
	var errs []error
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		key, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		if key == "" || key == "-" {
			continue
		}
		name := EnvPrefix + strings.ToUpper(key)
		raw, ok := lookup(name)
		if !ok {
			continue
		}
		if err := setFromString(v.Field(i), raw); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s (%s) = %q: %v", ErrInvalidConfig, key, name, raw, err))
		}
	}
	return errors.Join(errs...)
}

func setFromString(f reflect.Value, raw string) error {
	if u, ok := f.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(raw))
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(raw)
	case reflect.Int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return errors.New("want an integer")
		}
		f.SetInt(int64(n))
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("want true or false")
		}
		f.SetBool(b)
	default:
		return fmt.Errorf("cannot be set from the environment (kind %s)", f.Kind())
	}
	return nil
}
