// Package search proposes the next trial of a hyperparameter search with the
// Tree-structured Parzen Estimator (TPE), independently of YAML and storage.
//
// A Space lists the parameters (uniform, log-uniform, integer, categorical
// with choices as opaque indices). A Trial is one history record: the values
// it was given, its state (complete, failed, pruned or running) and its
// value. Propose(space, history, k, cfg) returns proposal number k; it is a
// pure function of its arguments, so a sweep that rebuilds its history from
// the database in the order trials were recorded proposes the same points
// on every run, and a killed sweep that is re-run proposes nothing twice.
//
// The first cfg.NStartup proposals come from a caller-supplied random draw
// (Config.Startup), so that with the same seed they are exactly the trials
// random search would draw; RandomStartup replays plan's random search
// (sequential draws, or a shuffled grid on a discrete space). After that,
// TPE as in Optuna's default (univariate) sampler:
//
//   - ranking: complete trials by value; then pruned trials, by the epoch they
//     reached (later first) and their value there; then failed and running
//     trials, which take the worst value (running ones as a "constant liar",
//     so parallel workers do not all try the same point);
//   - the best gamma(n) = min(⌈n/10⌉, 25) trials form the good group, the rest
//     the bad group; each group gives, per parameter, a Parzen estimator
//     (a mixture of truncated normals in the parameter's search space, log
//     space for log-uniform, plus a wide prior component; a smoothed
//     histogram for categorical parameters), with older trials down-weighted
//     once there are more than 25;
//   - 24 candidates are drawn from the good estimator and the one maximising
//     l(x)/g(x) is kept.
//
// A proposal equal to a trial already in the history (possible on integer
// and categorical axes) is drawn again, up to MaxRetries times; then Propose
// returns an error wrapping ErrExhausted, and the sweep ends its budget.
package search
