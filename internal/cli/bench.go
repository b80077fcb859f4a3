package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/exp-runner/exp/internal/bench"
	"github.com/exp-runner/exp/internal/model"
)

func init() {
	register("bench", &command{
		summary: "measure training and evaluation speed, side by side with PyTorch",
		usage: `Usage: exp bench [--backend B] [--cases mlp:32,mlp:128,cnn:32,cnn:128] [--steps N]
                 [--rounds R] [--threads N] [--torch auto|off] [--configs DIR]

Trains N steps per epoch of the reference models (configs/mlp.yaml,
configs/cnn.yaml) for three epochs, each followed by evaluating the 10k
validation images, each case in its own exp process; the first epoch
(compilation) is left out of the timings. Prints ms/step, seconds per epoch
(extrapolated from the steps to a full epoch of 60k examples), examples/s,
evaluation time, peak resident memory and its growth from epoch 2 to 3.

When python3 can import torch (Debian: apt-get install python3-torch; $EXP_PYTHON,
then /usr/bin/python3, then python3 on the PATH are tried),
../shared/bench/torch_mnist.py runs the same models, batch sizes and step
counts at each thread setting (PyTorch's default, and OMP_NUM_THREADS=2
OPENBLAS_NUM_THREADS=1), alternating with exp round by round, and the table
gives exp/PyTorch ratios against the faster setting (train ×, eval ×).

Flags:
	--backend B       the GoMLX backend to measure (default: the configs')
	--cases LIST      model:batch pairs (default mlp:32,mlp:128,cnn:32,cnn:128)
	--steps N         training steps per epoch (default 300)
	--rounds R        rounds per case, alternating with PyTorch (default 2)
	--threads N       GOMAXPROCS of the measured process (default: all cores)
	--torch MODE      auto (default: when available) or off
	--torch-script F  the PyTorch peer (default ../shared/bench/torch_mnist.py)
	--configs DIR     where mlp.yaml and cnn.yaml are (default configs)
	--json            print the measurements as JSON too
	--case M:B        measure one case in this process and print it as JSON
	--cpuprofile F    with --case: write a CPU profile (go tool pprof F)
	--search WHAT     compare TPE with random search at the same budget instead:
	                  functions (Branin, Hartmann-6, Rosenbrock-5; 10 seeds, 100
	                  trials), mnist (the reference MLP with 32 hidden units on
	                  3,000 images for 2 epochs; 24 trials, 3 seeds; slow) or all
	--search-dir DIR  with --search mnist: the sweeps' files, database and
	                  best-so-far plot (default bench-search)
	--jobs N          with --search mnist: exp run --jobs (default 2)

Examples:
	make bench
	exp bench --backend go --cases mlp:32 --steps 200 --rounds 1
	exp bench --case cnn:32 --steps 100 --cpuprofile cnn.prof && go tool pprof -top cnn.prof
	exp bench --search all
`,
		run: (*Main).runBench,
	})
}

func (m *Main) runBench(ctx context.Context, args []string) error {
	fs := m.newFlagSet("bench")
	backend := fs.String("backend", "", "")
	cases := fs.String("cases", "mlp:32,mlp:128,cnn:32,cnn:128", "")
	steps := fs.Int("steps", 300, "")
	rounds := fs.Int("rounds", 2, "")
	threadsFlag := fs.Int("threads", 0, "")
	torchMode := fs.String("torch", "auto", "")
	script := fs.String("torch-script", filepath.Join("..", "shared", "bench", "torch_mnist.py"), "")
	configs := fs.String("configs", "configs", "")
	asJSON := fs.Bool("json", false, "")
	one := fs.String("case", "", "") // measure one case in this process
	cpuprofile := fs.String("cpuprofile", "", "")
	searchMode := fs.String("search", "", "")
	searchDir := fs.String("search-dir", "bench-search", "")
	jobs := fs.Int("jobs", 2, "")
	if _, err := m.parse(fs, "bench", args); err != nil {
		return err
	}
	if *searchMode != "" {
		return m.benchSearch(ctx, *searchMode, *configs, *searchDir, max(1, *jobs))
	}
	if *steps < 1 || *rounds < 1 {
		return usageError("exp bench: --steps and --rounds must be ≥ 1")
	}
	if *one != "" {
		c, err := bench.ParseCase(*one)
		if err != nil {
			return usageError("exp bench: %v", err)
		}
		if *backend == "" {
			*backend = "cpu"
		}
		return bench.WriteCase(ctx, m.Stdout, c, *configs, *backend, *steps, *cpuprofile, model.NewBackend)
	}
	o := bench.Options{Steps: *steps, Rounds: *rounds, Backend: *backend, ConfigDir: *configs,
		Env: m.ChildEnv, Threads: *threadsFlag, Log: m.Stderr}
	for _, s := range strings.Split(*cases, ",") {
		c, err := bench.ParseCase(strings.TrimSpace(s))
		if err != nil {
			return usageError("exp bench: --cases: %v", err)
		}
		o.Cases = append(o.Cases, c)
	}
	if o.Backend == "" {
		o.Backend = bench.ConfigBackend(*configs, o.Cases[0].Model)
	}
	switch *torchMode {
	case "off":
	case "auto":
		off, err := bench.FindTorch(&o, *script, m.getenv("EXP_PYTHON"))
		if err != nil {
			return err
		}
		if off != "" {
			fmt.Fprintf(m.Stderr, "PyTorch comparison off: %s\n", off)
		}
	default:
		return usageError("exp bench: --torch must be auto or off")
	}
	var err error
	if o.Exe, err = m.exe(); err != nil {
		return err
	}
	return bench.Compare(ctx, m.Stdout, o, *asJSON)
}
