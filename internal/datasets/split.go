package datasets

import (
	"github.com/exp-runner/exp/internal/data"
	"github.com/exp-runner/exp/internal/rng"
	"github.com/exp-runner/exp/registry"
)

// Split is what a dataset read from a user's files takes from the data
// section's common keys: it holds out validation_split itself (seeded,
// shuffled, stratified by class) and then keeps train_examples and
// val_examples of a seeded shuffle, so that a file sorted by class never
// trains or validates on one class only.
type Split struct {
	Fraction     float64 // validation_split
	TrainN, ValN int     // train_examples, val_examples (0: all)
	Seed         uint64  // split_seed
}

// limitStream is the rng stream that picks train_examples and
// val_examples, apart from the split's and the epochs' streams.
const limitStream = data.SplitStream + 1

// limit returns n examples of ex picked by a seeded shuffle, in the
// shuffled order (all of ex when n is 0 or at least ex.N).
func limit(ex *registry.Examples, n int, seed uint64) *registry.Examples {
	if ex == nil || n <= 0 || n >= ex.N {
		return ex
	}
	idx := make([]int, ex.N)
	for i := range idx {
		idx[i] = i
	}
	rng.New(seed, limitStream).Shuffle(ex.N, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	return gather(ex, idx[:n])
}

// gather copies the examples idx of ex into new memory, in that order.
func gather(ex *registry.Examples, idx []int) *registry.Examples {
	es, td := ex.ExampleSize(), ex.TargetDim()
	out := &registry.Examples{N: len(idx), Shape: ex.Shape}
	if ex.Labels != nil {
		out.Labels = make([]int32, len(idx))
	}
	if ex.Targets != nil {
		out.Targets = make([]float32, len(idx)*td)
	}
	if ex.Pixels != nil {
		out.Pixels = make([]uint8, len(idx)*es)
	} else {
		out.X = make([]float32, len(idx)*es)
	}
	for i, j := range idx {
		if ex.Pixels != nil {
			copy(out.Pixels[i*es:(i+1)*es], ex.Pixels[j*es:(j+1)*es])
		} else {
			copy(out.X[i*es:(i+1)*es], ex.X[j*es:(j+1)*es])
		}
		if ex.Labels != nil {
			out.Labels[i] = ex.Labels[j]
		}
		if ex.Targets != nil {
			copy(out.Targets[i*td:(i+1)*td], ex.Targets[j*td:(j+1)*td])
		}
	}
	return out
}

// apply limits d's training and validation examples as s says.
func (s Split) apply(d *registry.Data) {
	d.Train = limit(d.Train, s.TrainN, s.Seed)
	d.Val = limit(d.Val, s.ValN, s.Seed)
}
