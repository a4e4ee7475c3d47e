package rpcexec

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/rpcexec/rpcexec/internal/configload"
	"github.com/rpcexec/rpcexec/internal/osloconf"
)

// EnvPrefix starts the environment variables that override configuration:
// RPCEXEC_ plus the key in upper case, e.g. RPCEXEC_EXECUTOR=goroutine.
const EnvPrefix = "RPCEXEC_"

// LoadConfig is LoadConfigFiles of path, or of no file when path is "".
func LoadConfig(path string) (Config, error) {
	if path == "" {
		return LoadConfigFiles()
	}
	return LoadConfigFiles(path)
}

// LoadConfigFiles returns DefaultConfig overlaid with each file in order
// (later files win, as oslo.config's --config-file), then with the
// environment (RPCEXEC_<KEY>), then validated. It is what every rpcexec
// command reads its --config-file and --config-dir with.
//
// A file is YAML or JSON (.yaml, .yml, .json) or an OpenStack service's
// oslo.config INI file (.conf, .ini, or any file whose first line is a
// [section]); see osloconf.DetectFormat. In YAML and JSON an unknown key
// is an error. An INI file is read as oslo.config reads it: from [DEFAULT]
// and [oslo_messaging_rabbit], the options Config has keys for
// (transport_url, control_exchange, executor_thread_pool_size,
// rpc_response_timeout, heartbeat, retry, queue, quorum and SSL options);
// the service's own sections and keys are ignored. What the files set that
// rpcexec does not implement, and keys in [oslo_messaging_*] sections that
// oslo.messaging does not have (typos), are no errors but Notes, logged by
// the first server or client made from the configuration. A malformed
// line (file and line named) and a value of the wrong type (file, section,
// key, value and what is allowed) are errors.
func LoadConfigFiles(paths ...string) (Config, error) {
	cfg := DefaultConfig()
	notes, err := configload.Files(&cfg, paths...)
	if err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	cfg.notes = &configNotes{ConfigNotes: ConfigNotes(notes)}
	if err := cfg.ApplyEnv(os.LookupEnv); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// ConfigFiles lists the files of --config-file and --config-dir
// arguments as oslo.config reads them: each file as it is, then each
// directory's *.conf files sorted by name. Give the result to
// LoadConfigFiles.
func ConfigFiles(files []string, dirs ...string) ([]string, error) {
	return osloconf.Files(files, dirs...)
}

// ApplyEnv overrides c with each RPCEXEC_<KEY> that lookup finds. Numbers
// and booleans read as in oslo.config's files (true/false, yes/no, on/off,
// 1/0; durations as seconds or Go durations).
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) error {
	if err := configload.Env(c, EnvPrefix, lookup); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

// ConfigNotes are what LoadConfigFiles found in the files that is not an
// error.
type ConfigNotes struct {
	// Files are the files read, in order.
	Files []string
	// Unimplemented are the oslo.messaging options the INI files set that
	// rpcexec does not implement, as "group.name".
	Unimplemented []string
	// Unknown are the keys and sections in [oslo_messaging_*] sections that
	// oslo.messaging does not have (typos, which oslo.config ignores in
	// silence), each naming file, line, section and key.
	Unknown []error
}

// configNotes are a loaded configuration's notes and whether they were
// logged; copies of the Config share them, so they are logged once.
type configNotes struct {
	ConfigNotes
	once sync.Once
}

// Notes returns what loading the configuration's files noted.
func (c *Config) Notes() ConfigNotes {
	if c.notes == nil {
		return ConfigNotes{}
	}
	return c.notes.ConfigNotes
}

// logNotes logs the notes once per loaded configuration: one line naming
// the options rpcexec does not implement, one per typo.
func (c *Config) logNotes() {
	if c.notes == nil {
		return
	}
	c.notes.once.Do(func() {
		n, log := c.notes.ConfigNotes, c.logger()
		if len(n.Unimplemented) > 0 {
			log.Info("rpcexec: the configuration files set oslo.messaging options rpcexec does not implement; they have no effect",
				"options", strings.Join(n.Unimplemented, " "), "files", strings.Join(n.Files, " "))
		}
		for _, u := range n.Unknown {
			log.Warn("rpcexec: a configuration file sets what oslo.messaging does not have", "err", u)
		}
	})
}
