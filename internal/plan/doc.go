// Package plan expands a config file into the trials it describes: one
// trial for a plain config; for a file with `variants:` and `sweep:`, one per
// grid point or random sample, each a complete, validated config.
//
// A trial's config is built from the file's own YAML nodes (base, deep-merged
// variant, axis values, then --set overrides), so an error in any trial is
// reported at the line and column of the value that caused it, and all of a
// file's errors come at once, before anything trains.
//
// Random search is seeded (sweep.seed) and uses exp's own generator, so the
// same file always yields the same trials; on a discrete space it samples
// without replacement, so no trial is drawn twice.
//
// A tpe sweep (sweep.method: tpe) lists only its first n_startup trials,
// exactly random search's; its Search maps the axes to a search.Space,
// points of the space to trials (floats with 6 significant digits, as
// random search writes them) and recorded params back to points, so that
// package sweep can propose the other trials as results arrive.
package plan
