// Package meminfo reads how much memory the machine has, and writes byte
// counts the way exp's memory messages do. exp run, validate and the
// datasets' checks before loading all read the machine's memory here.
package meminfo
