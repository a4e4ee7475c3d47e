// Package syncbuf is a buffer that tests read while other goroutines write
// to it (a command's output, a logger), with a wait for a text to appear
// that wakes on each write instead of polling.
package syncbuf
