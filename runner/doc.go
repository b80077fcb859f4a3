// Package runner runs a config file from Go, as exp run does: it expands the
// file into trials (a plain config is a sweep of one), records the sweep and
// its trials in a results database, trains every trial that is not done yet
// — resuming interrupted ones from their last finished epoch — and returns
// how each one ended.
//
//	out, err := runner.Run(ctx, "configs/mlp.yaml", runner.Options{DB: "runs.db", Epochs: 2})
//	if err != nil {
//		return err
//	}
//	fmt.Println(out.Counts()[results.StatusCompleted], "trials completed")
//
// Running the same file again continues the same sweep, exactly as the
// command does: completed trials are skipped and trials the file gained are
// added; Options.New starts a fresh sweep. Read the recorded epochs with
// package results.
//
// # Where trials run
//
// exp run starts each trial as a child process of its own executable, so
// that a crash takes down one trial only and several trials run at once.
// Run does the same when Options.Exe names an exp binary (one built from
// exp.Main, with the same registrations as the caller). Without Exe, the
// trials run in the calling process, one at a time, with the same claims,
// locks, checkpoints and records: a program that embeds exp (or a test)
// needs no binary. A GoMLX error in a trial fails that trial only either
// way; a crash of the runtime itself (out of memory, say) ends the caller's
// process in this mode, and the next Run resumes what it left.
//
// Importing runner registers exp's built-in layers, optimizers, losses,
// datasets and backends, so every config exp runs, Run runs; a Go program
// adds its own with package registry.
//
// # Errors
//
// A problem with the file, its data or the options is an *InputError,
// found before anything trains (exp run exits with status 2 for it). When
// ctx is cancelled, each trial stops after its current step and is recorded
// as interrupted; Run returns the outcome so far and ctx's error.
package runner
