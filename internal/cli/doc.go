// Package cli implements the exp command: its subcommands, their flag sets
// and usage text. Each command parses its flags, hands the work to the
// package that owns it (plan, sweep, resultdb, report, infer, serve, bench)
// and prints what it returns. Its caller is exp.Main, in the module's root
// package, which cmd/exp's main and custom builds call; it sets up the
// signals and calls Main.Run. Everything else writes to the writers held by
// Main, so the commands can be tested.
//
// Exit codes, for single runs and sweeps alike:
//
//	0    every run completed
//	1    a run failed or diverged
//	2    usage, config or data errors, found before anything trains
//	130  interrupted by Ctrl-C (SIGINT)
//	143  stopped by SIGTERM
package cli
