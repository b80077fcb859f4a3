package registry_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/exp-runner/exp/registry"
)

// Points is a dataset of labelled points held in its own YAML keys:
// {dataset: points, xs: [...], labels: [...], split_seed: 1}. It takes
// part in everything exp does with a dataset's contents: it splits itself
// (seeded, stratified), is known by a hash of its contents, stores its
// class names, and describes itself to exp validate.
type Points struct {
	Xs        []float32 `yaml:"xs"`
	Labels    []string  `yaml:"labels"`
	SplitSeed uint64    `yaml:"split_seed"`

	classes []string
	ex      *registry.Examples
	n       [2]int // training and validation examples
}

var (
	_ registry.Dataset       = (*Points)(nil)
	_ registry.Splitter      = (*Points)(nil)
	_ registry.ContentHasher = (*Points)(nil)
	_ registry.Preprocessor  = (*Points)(nil)
	_ registry.Summarizer    = (*Points)(nil)
)

func init() {
	registry.Datasets.Register("points", func() registry.Dataset { return &Points{} })
}

// Validate checks the keys and reads the points (a dataset of files reads
// them here, after env.Memory.Check, so that every problem is reported
// before anything trains).
func (p *Points) Validate(r registry.Reporter, env registry.DataEnv) {
	if len(p.Xs) != len(p.Labels) {
		r.Field("labels").Errorf("has %d labels for %d points", len(p.Labels), len(p.Xs))
		return
	}
	if err := env.Memory.Check("points: "+fmt.Sprint(len(p.Xs))+" need", int64(8*len(p.Xs)), "float32"); err != nil {
		r.Errorf("%v", err)
		return
	}
	index := map[string]int32{}
	p.ex = &registry.Examples{N: len(p.Xs), Shape: []int{1}, X: p.Xs, Labels: make([]int32, len(p.Xs))}
	for i, l := range p.Labels {
		if _, ok := index[l]; !ok {
			index[l] = int32(len(p.classes))
			p.classes = append(p.classes, l)
		}
		p.ex.Labels[i] = index[l]
	}
	d, err := p.split(env.Split)
	if err != nil {
		r.Errorf("%v", err)
		return
	}
	p.n = [2]int{d.Train.N, 0}
	if d.Val != nil {
		p.n[1] = d.Val.N
	}
}

func (p *Points) split(s registry.Split) (*registry.Data, error) {
	d := &registry.Data{Name: "points", Train: p.ex}
	d.DataInfo = p.Info()
	return d, s.Apply(d, p.SplitSeed)
}

// Info describes the points.
func (p *Points) Info() registry.DataInfo {
	return registry.DataInfo{Shape: []int{1}, NumClasses: len(p.classes)}
}

// Load returns the points, split as the data section asks.
func (p *Points) Load(ctx context.Context, env registry.DataEnv) (*registry.Data, error) {
	return p.split(env.Split)
}

// SplitsItself reports true: Validate and Load apply env.Split.
func (p *Points) SplitsItself() bool { return true }

// DataHash is a hash of the points and labels.
func (p *Points) DataHash() string {
	b, _ := json.Marshal([]any{p.Xs, p.Labels}) // slices of numbers and strings always marshal
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// Preprocessing stores the class names, in label order.
func (p *Points) Preprocessing() ([]byte, error) {
	return json.Marshal(map[string]any{"classes": p.classes})
}

// Summary describes the points for exp validate.
func (p *Points) Summary() []string {
	return []string{fmt.Sprintf("Data: points: %d training, %d validation examples", p.n[0], p.n[1])}
}

// ExampleSplitter does what exp does with `data: {dataset: points, …,
// validation_split: 0.25}`: it looks the dataset up, validates it with the
// split in its DataEnv, and, since it is a Splitter, takes the examples
// Load returns as they are. Its hash, preprocessing and summary are what a
// run stores and exp validate prints.
func ExampleSplitter() {
	newDataset, err := registry.Datasets.Lookup("points")
	if err != nil {
		panic(err)
	}
	ds := newDataset().(*Points)
	ds.Xs = []float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}
	ds.Labels = []string{"low", "low", "low", "low", "high", "high", "high", "high"}
	ds.SplitSeed = 1
	env := registry.DataEnv{Split: registry.Split{Fraction: 0.25}, Memory: registry.MemoryPolicy{Total: 1 << 30}}
	ds.Validate(printReporter{"data"}, env)

	var d *registry.Data
	if s, ok := registry.Dataset(ds).(registry.Splitter); ok && s.SplitsItself() {
		d, err = ds.Load(context.Background(), env)
	}
	if err != nil {
		panic(err)
	}
	fmt.Println("validation:", d.Val.X, d.Val.Labels)
	pre, _ := ds.Preprocessing()
	fmt.Println(string(pre))
	fmt.Println(ds.Summary()[0])
	fmt.Println(len(ds.DataHash()), "hex digits of hash")

	// A split needs two examples of every class.
	ds = newDataset().(*Points)
	ds.Xs, ds.Labels = []float32{1, 2, 3}, []string{"a", "a", "b"}
	ds.Validate(printReporter{"data"}, env)
	// Output:
	// validation: [0.3 0.8] [0 1]
	// {"classes":["low","high"]}
	// Data: points: 6 training, 2 validation examples
	// 64 hex digits of hash
	// data: class 1 has 1 example(s); a stratified validation split needs at least 2 of every class
}

// ExampleSplit_Apply holds out a quarter of eight examples sorted by
// class, stratified and seeded (one of each class), then keeps three of the
// training examples, picked by a seeded shuffle: both classes.
func ExampleSplit_Apply() {
	ex := &registry.Examples{N: 8, Shape: []int{1},
		X: []float32{0, 1, 2, 3, 4, 5, 6, 7}, Labels: []int32{0, 0, 0, 0, 1, 1, 1, 1}}
	d := &registry.Data{Train: ex}
	if err := (registry.Split{Fraction: 0.25, TrainN: 3}).Apply(d, 7); err != nil {
		panic(err)
	}
	fmt.Println("train:", d.Train.X, "labels", d.Train.Labels)
	fmt.Println("val:  ", d.Val.X, "labels", d.Val.Labels)
	// Output:
	// train: [4 1 6] labels [1 0 1]
	// val:   [3 7] labels [0 1]
}
