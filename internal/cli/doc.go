// Package cli implements the exp command: its subcommands, their flag sets
// and usage text. Each command parses its flags and hands the work to the
// package that owns it (sweep, report, bench, plan). cmd/exp's main only
// calls Main.Run; everything else writes to the writers held by Main, so the
// commands can be tested.
//
// Exit codes, for single runs and sweeps alike:
//
//	0    every run completed
//	1    a run failed or diverged
//	2    usage, config or data errors, found before anything trains
//	130  interrupted (Ctrl-C or SIGTERM)
package cli
