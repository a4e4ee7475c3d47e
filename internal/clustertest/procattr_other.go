//go:build !unix

package clustertest

import "syscall"

// ownProcAttr: the script needs a Unix host; it fails there with its own
// message.
func ownProcAttr() *syscall.SysProcAttr { return nil }
