package main

import (
	"github.com/rpcexec/rpcexec"
	"github.com/rpcexec/rpcexec/internal/osloconf"
)

// configFlags are --config-file and --config-dir, read as oslo.config
// reads them (in command-line order, later files winning) by the loader
// the library uses: YAML, JSON or an OpenStack service's INI files, then
// RPCEXEC_* variables. Flags given on the command line override both.
type configFlags struct {
	sources osloconf.Sources
}

func (f *configFlags) register(c *command) {
	c.fs.Var(f.sources.FileFlag(), "config-file",
		"configuration `file`: YAML, JSON, or oslo.config INI such as nova.conf; repeatable, later files win")
	c.fs.Var(f.sources.DirFlag(), "config-dir",
		"`directory` whose *.conf files are read in name order, as oslo.config's --config-dir; repeatable")
}

// load returns the configuration of the files and the environment,
// validated, before flags override it.
func (f *configFlags) load() (rpcexec.Config, error) {
	files, err := f.sources.Files()
	if err != nil {
		return rpcexec.Config{}, err
	}
	return rpcexec.LoadConfigFiles(files...)
}

// applyConfig starts the workload from the configuration of --config-file,
// --config-dir and the environment: its transport, exchange, pool size,
// prefetch and ack policy where no flag gave them, and everything else
// (heartbeats, queue flags, TLS) as the base of each run's configuration.
func (f *measureFlags) applyConfig(c *command) error {
	cfg, err := f.config.load()
	if err != nil {
		return err
	}
	w := &f.w
	for name, set := range map[string]func(){
		"url":       func() { w.URL = cfg.TransportURL },
		"exchange":  func() { w.Exchange = cfg.ControlExchange },
		"pool-size": func() { w.PoolSize = cfg.ExecutorThreadPoolSize },
		"prefetch":  func() { w.Prefetch = cfg.PrefetchCount },
		"ack":       func() { w.Ack = cfg.AckPolicy },
	} {
		if !c.set(name) {
			set()
		}
	}
	w.Base = &cfg
	return nil
}
