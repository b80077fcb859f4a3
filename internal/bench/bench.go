package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/train"
)

// Case is one measurement: a model of configs/ at a batch size.
type Case struct {
	Model string // mlp or cnn: configs/<model>.yaml
	Batch int
}

// String formats the case as model:batch.
func (c Case) String() string { return fmt.Sprintf("%s:%d", c.Model, c.Batch) }

// ParseCase parses model:batch.
func ParseCase(s string) (Case, error) {
	m, b, ok := strings.Cut(s, ":")
	n, err := strconv.Atoi(b)
	if !ok || err != nil || n <= 0 || m == "" {
		return Case{}, fmt.Errorf("case %q: want MODEL:BATCH, e.g. mlp:32", s)
	}
	return Case{Model: m, Batch: n}, nil
}

// Result is exp's measurement of a case.
type Result struct {
	Case        string    `json:"case"`
	Backend     string    `json:"backend"`
	Threads     int       `json:"threads"`
	Steps       int       `json:"steps"`          // timed steps (epochs 2 and 3)
	MsPerStep   float64   `json:"ms_per_step"`    // mean over the timed epochs
	EpochS      float64   `json:"epoch_s"`        // extrapolated to a full epoch of 60k examples
	ExamplesPS  float64   `json:"examples_per_s"` // training examples per second
	EvalS       float64   `json:"eval_s"`         // evaluating the 10k validation images (best of the timed epochs)
	PeakRSSMB   float64   `json:"peak_rss_mb"`    // VmHWM
	RSSMB       []float64 `json:"rss_mb"`         // after each epoch
	RSSGrowth   float64   `json:"rss_growth"`     // epoch 2 → 3, as a fraction
	ValAccuracy float64   `json:"val_accuracy"`   // after the last epoch (a sanity check)
}

// Measure trains a case in this process: steps per epoch, three epochs, each
// followed by evaluation on the whole validation set.
func Measure(ctx context.Context, c Case, configDir, backend string, steps int, newBackend func(string) (backends.Backend, error)) (*Result, error) {
	file := filepath.Join(configDir, c.Model+".yaml")
	sets := []string{
		fmt.Sprintf("train.batch_size=%d", c.Batch),
		fmt.Sprintf("data.train_examples=%d", steps*c.Batch),
		"train.epochs=3",
		"backend=" + backend,
	}
	cfg, err := config.Load(file, config.Sets(sets))
	if err != nil {
		return nil, err
	}
	set, err := cfg.Data.Load(ctx)
	if err != nil {
		return nil, err
	}
	be, err := newBackend(cfg.Backend)
	if err != nil {
		return nil, err
	}
	res := &Result{Case: c.String(), Backend: backend, Threads: runtime.GOMAXPROCS(0)}
	var timed []train.Epoch
	out := train.Run(ctx, cfg, set, train.Options{Backend: be, OnEpoch: func(ep train.Epoch) (train.Stop, error) {
		res.RSSMB = append(res.RSSMB, rssMB("VmRSS"))
		if ep.Record.Epoch > 1 {
			timed = append(timed, ep)
		}
		if v := ep.Record.ValAccuracy; v != nil {
			res.ValAccuracy = *v
		}
		return train.Stop{}, nil
	}})
	if out.Status != record.StatusCompleted {
		return nil, fmt.Errorf("%s: %s: %v", c, out.Status, out.Err)
	}
	var ms float64
	res.EvalS = math.Inf(1)
	for _, ep := range timed {
		ms += ep.Record.MsPerStep / float64(len(timed))
		res.EvalS = min(res.EvalS, ep.EvalSeconds)
		res.Steps += ep.Steps
	}
	res.MsPerStep = ms
	stepsPerEpoch := (60000 + c.Batch - 1) / c.Batch
	res.EpochS = ms * float64(stepsPerEpoch) / 1000
	res.ExamplesPS = float64(c.Batch) / (ms / 1000)
	res.PeakRSSMB = rssMB("VmHWM")
	if len(res.RSSMB) == 3 {
		res.RSSGrowth = res.RSSMB[2]/res.RSSMB[1] - 1
	}
	return res, nil
}

// rssMB reads a memory figure of this process from /proc/self/status, in MB.
func rssMB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// TorchResult is one run of the PyTorch peer.
type TorchResult struct {
	Setting   string  // the thread setting's name
	EpochS    float64 `json:"epoch_s"`
	TrainS    float64 `json:"train_s"`
	StepsRun  int     `json:"steps_run"`
	EvalS     float64 `json:"eval_s"`
	TestAcc   float64 `json:"test_acc"`
	MsPerStep float64
}

// TorchSetting is an environment under which PyTorch runs.
type TorchSetting struct {
	Name string
	Env  []string
}

// TorchSettings are the thread settings tried: PyTorch's defaults, and two
// OpenMP threads with single-threaded OpenBLAS (fastest here for the CNN).
var TorchSettings = []TorchSetting{
	{Name: "default"},
	{Name: "OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1", Env: []string{"OMP_NUM_THREADS=2", "OPENBLAS_NUM_THREADS=1"}},
}

// TorchAvailable reports whether python3 can import torch.
func TorchAvailable(python string) bool {
	return exec.Command(python, "-c", "import torch").Run() == nil
}

// RunTorch runs the PyTorch peer on a case for steps steps.
func RunTorch(ctx context.Context, python, script, dataDir string, c Case, steps int, s TorchSetting) (*TorchResult, error) {
	cmd := exec.CommandContext(ctx, python, script, "--model", c.Model, "--batch", fmt.Sprint(c.Batch),
		"--max-steps", fmt.Sprint(steps), "--data", dataDir)
	cmd.Env = append(os.Environ(), s.Env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("torch %s (%s): %v: %s", c, s.Name, err, lastLine(stderr.String()))
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "RESULT "); ok {
			r := &TorchResult{Setting: s.Name}
			if err := json.Unmarshal([]byte(rest), r); err != nil {
				return nil, err
			}
			r.MsPerStep = 1000 * r.TrainS / float64(r.StepsRun)
			return r, nil
		}
	}
	return nil, fmt.Errorf("torch %s: no RESULT line in its output", c)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// Row is a case's outcome over all rounds.
type Row struct {
	Case  Case
	Exp   []*Result
	Torch map[string][]*TorchResult // by setting
}

// BestExp returns the round with the lowest ms/step.
func (r *Row) BestExp() *Result {
	var best *Result
	for _, x := range r.Exp {
		if best == nil || x.MsPerStep < best.MsPerStep {
			best = x
		}
	}
	return best
}

// BestTorch returns PyTorch's fastest setting (by its best round) and that round.
func (r *Row) BestTorch() *TorchResult {
	var best *TorchResult
	for _, rs := range r.Torch {
		for _, x := range rs {
			if best == nil || x.EpochS < best.EpochS {
				best = x
			}
		}
	}
	return best
}

// BestTorchEval returns PyTorch's fastest evaluation over every setting and round.
func (r *Row) BestTorchEval() float64 {
	best := math.Inf(1)
	for _, rs := range r.Torch {
		for _, x := range rs {
			best = min(best, x.EvalS)
		}
	}
	return best
}

// Options configures Run.
type Options struct {
	Cases     []Case
	Steps     int
	Rounds    int
	Backend   string
	ConfigDir string
	Exe       string   // exp, to measure each case in its own process
	Env       []string // added to the child's environment
	Threads   int      // the child's GOMAXPROCS (0: all cores)
	Python    string   // "" skips PyTorch
	Script    string   // torch_mnist.py
	DataDir   string   // the MNIST .gz files, for PyTorch
	Log       io.Writer
}

// Run measures every case, alternating exp and PyTorch round by round.
func Run(ctx context.Context, o Options) ([]*Row, error) {
	var rows []*Row
	for _, c := range o.Cases {
		row := &Row{Case: c, Torch: map[string][]*TorchResult{}}
		for round := 1; round <= o.Rounds; round++ {
			if err := ctx.Err(); err != nil {
				return rows, err
			}
			r, err := runChild(ctx, o, c)
			if err != nil {
				return rows, err
			}
			row.Exp = append(row.Exp, r)
			fmt.Fprintf(o.Log, "%s round %d: exp %s %.2f ms/step (%.1f s/epoch), eval %.2f s, peak RSS %.0f MB\n",
				c, round, o.Backend, r.MsPerStep, r.EpochS, r.EvalS, r.PeakRSSMB)
			if o.Python == "" {
				continue
			}
			for _, s := range TorchSettings {
				t, err := RunTorch(ctx, o.Python, o.Script, o.DataDir, c, o.Steps, s)
				if err != nil {
					return rows, err
				}
				row.Torch[s.Name] = append(row.Torch[s.Name], t)
				fmt.Fprintf(o.Log, "%s round %d: torch (%s) %.2f ms/step (%.1f s/epoch), eval %.2f s\n", c, round, s.Name, t.MsPerStep, t.EpochS, t.EvalS)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func runChild(ctx context.Context, o Options, c Case) (*Result, error) {
	args := []string{"bench", "--case", c.String(), "--steps", fmt.Sprint(o.Steps), "--backend", o.Backend, "--configs", o.ConfigDir}
	cmd := exec.CommandContext(ctx, o.Exe, args...)
	cmd.Env = append(os.Environ(), o.Env...)
	if o.Threads > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("GOMAXPROCS=%d", o.Threads))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("exp bench --case %s: %v: %s", c, err, lastLine(stderr.String()))
	}
	var r Result
	if err := json.Unmarshal(bytes.TrimSpace(out), &r); err != nil {
		return nil, fmt.Errorf("exp bench --case %s: %v: %q", c, err, out)
	}
	return &r, nil
}
