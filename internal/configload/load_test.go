package configload

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type dur time.Duration

func (d *dur) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b) + "s")
	*d = dur(v)
	return err
}

type conf struct {
	Name    string `yaml:"name"`
	Count   int    `yaml:"rpc_conn_pool_size"`
	On      bool   `yaml:"amqp_durable_queues"`
	Wait    dur    `yaml:"rpc_response_timeout"`
	Skipped string `yaml:"-"`
	hidden  int
}

func TestEnv(t *testing.T) {
	env := map[string]string{"X_NAME": "n", "X_RPC_CONN_POOL_SIZE": " +1_0 ", "X_AMQP_DURABLE_QUEUES": "Yes",
		"X_RPC_RESPONSE_TIMEOUT": "3", "X_SKIPPED": "no", "X_HIDDEN": "1"}
	var c conf
	if err := Env(&c, "X_", func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if c.Name != "n" || c.Count != 10 || !c.On || time.Duration(c.Wait) != 3*time.Second || c.Skipped != "" || c.hidden != 0 {
		t.Errorf("got %+v, want the variables read as oslo.config reads values", c)
	}
	env = map[string]string{"X_RPC_CONN_POOL_SIZE": "many", "X_AMQP_DURABLE_QUEUES": "sure"}
	err := Env(&c, "X_", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	for _, want := range []string{`rpc_conn_pool_size (X_RPC_CONN_POOL_SIZE) = "many": want a whole number`,
		`amqp_durable_queues (X_AMQP_DURABLE_QUEUES) = "sure": want true/false`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to say %s", err, want)
		}
	}
}

func TestFilesNeedsAStructPointer(t *testing.T) {
	if _, err := Files(conf{}); err == nil {
		t.Error("got no error for a struct value, want one")
	}
}

func TestFilesINIAndYAML(t *testing.T) {
	dir := t.TempDir()
	ini := filepath.Join(dir, "svc") // no extension: INI by its first line
	os.WriteFile(ini, []byte("# svc\n[DEFAULT]\nrpc_response_timeout = 4\n[oslo_messaging_rabbit]\n"+
		"amqp_durable_queues = on\nrabbit_ha_queues = true\n"), 0o600)
	yml := filepath.Join(dir, "svc.yml")
	os.WriteFile(yml, []byte("name: y\nrpc_conn_pool_size: 2\n"), 0o600)
	var c conf
	notes, err := Files(&c, ini, yml)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "y" || c.Count != 2 || !c.On || time.Duration(c.Wait) != 4*time.Second {
		t.Errorf("got %+v, want both files' values", c)
	}
	if strings.Join(notes.Unimplemented, ",") != "oslo_messaging_rabbit.rabbit_ha_queues" {
		t.Errorf("Unimplemented: got %q, want rabbit_ha_queues", notes.Unimplemented)
	}
}
