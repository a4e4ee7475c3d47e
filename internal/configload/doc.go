// Package configload is the mechanism behind rpcexec.LoadConfigFiles: it
// overlays a configuration struct with files and environment variables,
// by the fields' yaml tags, the same way for the library and every
// command.
//
// Files are read in order, later ones winning, each in its own format
// (osloconf.DetectFormat): YAML or JSON by the struct's keys (an unknown
// key is an error, so a misspelt option is not ignored), or an OpenStack
// service's oslo.config INI file through osloconf, which reads the
// oslo.messaging options a field is named after where the RabbitMQ driver
// reads them ([DEFAULT], [oslo_messaging_rabbit]) and ignores the
// service's own sections and keys. All INI files are resolved together,
// as oslo.config resolves --config-file and --config-dir; each value is
// applied at the place of the file that wrote it, so a YAML file between
// two INI files wins over the first and loses to the second.
//
// What INI files set that the struct does not implement, and keys in
// [oslo_messaging_*] sections that oslo.messaging does not have (typos),
// are not errors: oslo.config accepts them, and a service's own file must
// load as it is. They are returned as Notes for one log line at startup.
// A malformed line (file and line named) and a value of the wrong type for
// an option the struct uses (file, section, key, value and what is
// allowed) are errors.
//
// The package holds no state and starts no goroutines.
package configload
