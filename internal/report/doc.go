// Package report renders results for people: comparison tables of runs.
package report
