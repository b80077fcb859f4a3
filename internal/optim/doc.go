// Package optim provides the optimizers `train.optimizer` may name,
// registered in registry.Optimizers from init, with Keras's update rules and
// defaults:
//
//	adam     beta_1 (0.9), beta_2 (0.999), epsilon (1e-7), amsgrad (false)
//	adamw    as adam, plus weight_decay (0.004), decoupled: w -= lr·wd·w
//	sgd      momentum (0), nesterov (false)
//	rmsprop  rho (0.9), momentum (0), epsilon (1e-7), centered (false)
//
// The learning rate is `train.learning_rate`. Each optimizer keeps its state
// (moments, the `iterations` count) in context variables under the scope
// /optimizer, so checkpoints carry it.
package optim
