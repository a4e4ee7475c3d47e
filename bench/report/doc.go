// Package report renders bench results for people and programs: an aligned
// table, JSON, CSV, and a PNG or SVG chart. It is apart from bench so that
// the Go benchmarks do not link a plotting library; it starts no
// goroutines.
package report
