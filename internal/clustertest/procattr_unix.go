//go:build unix

package clustertest

import "syscall"

// ownProcAttr puts the own process in a process group of its own.
func ownProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
