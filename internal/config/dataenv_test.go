package config_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/registry"
)

// probe is a dataset that records the DataEnv it is given and returns ten
// examples, labelled 0 and 1 alternately, from Load; with self set it
// reports that it applies the split itself (and does not).
type probe struct {
	Self bool `yaml:"self"`
	env  *registry.DataEnv
}

func init() {
	registry.Datasets.Register("probe", func() registry.Dataset { return &probe{env: new(registry.DataEnv)} })
}

func (p *probe) Validate(r registry.Reporter, env registry.DataEnv) { *p.env = env }
func (p *probe) Info() registry.DataInfo {
	return registry.DataInfo{Shape: []int{1}, NumClasses: 2}
}
func (p *probe) SplitsItself() bool { return p.Self }
func (p *probe) Load(ctx context.Context, env registry.DataEnv) (*registry.Data, error) {
	ex := &registry.Examples{N: 10, Shape: []int{1}, X: make([]float32, 10), Labels: make([]int32, 10)}
	for i := range 10 {
		ex.X[i], ex.Labels[i] = float32(i), int32(i%2)
	}
	return &registry.Data{DataInfo: p.Info(), Train: ex}, nil
}

const probeSrc = `
data: {dataset: probe, validation_split: 0.2, train_examples: 6, val_examples: 1}
model: {layers: [{type: dense, units: 2}]}
`

// TestDataEnv: the dataset's DataEnv holds the config's folder, the split
// the common keys ask for, and the caller's memory policy, its Total
// filled with the machine's memory when the caller gives none.
func TestDataEnv(t *testing.T) {
	mem := registry.MemoryPolicy{Copies: 3, Force: true, Total: 12345}
	c, err := config.ParseWith("cfgs/p.yaml", []byte(probeSrc), config.Options{Memory: mem})
	if err != nil {
		t.Fatal(err)
	}
	env := *c.Data.Params.(*probe).env
	dir, _ := filepath.Abs("cfgs")
	want := registry.DataEnv{Dir: dir, Split: registry.Split{Fraction: 0.2, TrainN: 6, ValN: 1}, Memory: mem}
	if env != want {
		t.Errorf("DataEnv %+v, want %+v", env, want)
	}
	c, err = config.ParseWith("p.yaml", []byte(probeSrc), config.Options{Dir: "/data", Memory: registry.MemoryPolicy{Copies: 2}})
	if err != nil {
		t.Fatal(err)
	}
	env = *c.Data.Params.(*probe).env
	if env.Dir != "/data" || env.Memory != (registry.MemoryPolicy{Copies: 2, Total: meminfo.Total()}) {
		t.Errorf("DataEnv %+v, want Dir /data and the machine's memory %d", env, meminfo.Total())
	}
}

// TestLoadSplits: exp slices the examples of a dataset that does not split
// itself (the first 6, then the last fifth of them held out, then 1 kept)
// and leaves a Splitter's as Load returned them.
func TestLoadSplits(t *testing.T) {
	for _, tt := range []struct {
		self       bool
		train, val int
	}{{false, 5, 1}, {true, 10, 0}} {
		c, err := config.Parse("p.yaml", []byte(probeSrc), config.Sets([]string{"data.self=" + map[bool]string{true: "true", false: "false"}[tt.self]}))
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.Data.Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		val := 0
		if d.Val != nil {
			val = d.Val.N
		}
		if d.Train.N != tt.train || val != tt.val {
			t.Errorf("self %v: %d training, %d validation examples; want %d, %d", tt.self, d.Train.N, val, tt.train, tt.val)
		}
	}
}
