// Package schedule holds the learning-rate schedules a config can name in
// train.lr_schedule (cosine, step, exponential, plateau), registered by
// name in Schedules. A Schedule gives the learning rate of every training
// step from the epoch and step alone, plus (for plateau) the metrics of the
// epochs finished so far, so that a resumed run, replaying its recorded
// epochs, continues with exactly the rates of an uninterrupted one.
package schedule
