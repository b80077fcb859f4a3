// Package importance estimates which hyperparameters of a search mattered:
// for each parameter, the share of the variation of the trials' values that
// the parameter explains on its own.
//
// The method (named by Method, for reports) is a binned first-order
// variance share, the epsilon-squared of a one-way analysis of variance:
// the complete trials' values are replaced by their ranks (so one diverged
// trial cannot dominate), each parameter's values are grouped into bins (one
// per choice of a categorical parameter, or per value when a parameter
// takes at most √n distinct values, 2 to 10; otherwise that many equal-count
// bins, in the parameter's order, which is also its log order), and
//
//	importance = (SS_between − (bins−1)·MS_within) / SS_total,
//
// clipped to [0, 1]. The correction by MS_within removes the share that
// bins of pure noise explain by chance, so an irrelevant parameter scores
// close to 0. It measures main effects only: a parameter that matters only
// through an interaction with another scores low, and the shares need not
// sum to 1. It is measured on the trials as they were sampled: the
// clustered trials of a TPE sweep show less of a parameter's range than
// random search's would. This is simpler than Optuna's default, fANOVA
// over a random forest, which also splits out interactions.
package importance
