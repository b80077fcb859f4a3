package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/confusion"
	"github.com/exp-runner/exp/internal/data"
	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/registry"
)

// Epoch is a finished epoch as Run reports it: the record the results store
// keeps (Run leaves its RunID and FinishedAt to the store) and timings only
// the runner knows.
type Epoch struct {
	Record      record.Epoch
	EvalSeconds float64 // the evaluation on the validation set
	Steps       int     // training steps
	// Confusion is the validation set's confusion matrix (classification
	// with a validation set; nil otherwise).
	Confusion confusion.Matrix
}

// Options configures Run.
type Options struct {
	// Backend executes the graphs.
	Backend backends.Backend
	// Progress receives a progress bar during each epoch (nil: none). It is
	// meant for a terminal: lines are redrawn with carriage returns.
	Progress io.Writer
	// Log receives one Keras-like line per epoch (nil: none).
	Log io.Writer
	// OnEpoch is called after each finished epoch (and Save). A Stop with a
	// status ends the run after that epoch (pruning); an error ends it as
	// failed.
	OnEpoch func(Epoch) (Stop, error)
	// History holds the epochs a resumed run finished before; training
	// starts after them, with the state Restore loads.
	History []record.Epoch
	// Restore loads the state after the last epoch of History into the new
	// context (weights, optimizer state, RNG state). Nil starts fresh.
	Restore func(ctx *mlctx.Context) error
	// Save stores the state after an epoch, before OnEpoch commits it.
	Save func(epoch int, ctx *mlctx.Context) error
	// Partial, if set, stores the state in the middle of an epoch (the
	// variables of ctx, and p), between two training steps once
	// PartialEvery has passed since the last save, epoch or partial; at
	// least 100 times the last partial save's own time passes between two,
	// so that saving takes at most 1% of the training (the first save of
	// an epoch, which may create a file, does not count). Its error is
	// ignored: a partial save only shortens what a killed run loses.
	Partial func(p Progress, ctx *mlctx.Context) error
	// PartialEvery is the least time between partial saves (≤ 0: none).
	PartialEvery time.Duration
	// Resume, if set, is where the state Restore loads stands: a partial
	// save in epoch len(History)+1, which training continues from its step.
	Resume *Progress
	// SaveBest, if set, is called after Save with the epoch's metrics, before
	// OnEpoch commits them: it keeps the best epoch's weights.
	SaveBest func(ep Epoch, ctx *mlctx.Context) error
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Stack adds the stack trace of a panic to the error of the failed run
	// (exp trial sets it when $EXP_DEBUG is 1).
	Stack bool
}

// Progress is where a run stands within an epoch: the training steps done
// and the sums that the epoch's metrics are made of, so that an epoch
// resumed from a partial save records exactly what it would have without
// the interruption.
type Progress struct {
	Epoch   int     `json:"epoch"`
	Step    int     `json:"step"` // training steps done in the epoch
	LossSum float64 `json:"loss_sum"`
	Correct float64 `json:"correct"`
	Seen    int     `json:"seen"`    // training examples in those steps
	Seconds float64 `json:"seconds"` // training time of those steps
}

// Stop asks Run to end a run after an epoch.
type Stop struct {
	Status record.Status // "" to go on
	Reason string
}

// Result is the outcome of Run.
type Result struct {
	Status record.Status // terminal
	Err    error         // why it failed, diverged or was interrupted
	// StopReason says why a run ended before its planned epochs (early
	// stopping, pruning).
	StopReason string
	// Epochs are the epochs finished by this call (after History).
	Epochs []Epoch
	// Summary holds values worth storing with the run, e.g. a fitted
	// regression's w and b.
	Summary map[string]float64
}

// Run trains cfg's model on set. It never panics: GoMLX's panics become a
// failed Result (model.Catch), with the panic's stack when opts.Stack is
// set.
func Run(ctx context.Context, cfg *config.Config, set *registry.Data, opts Options) *Result {
	res := &Result{}
	if p := model.Catch(func() { run(ctx, cfg, set, opts, res) }); p != nil {
		res.Status = record.StatusFailed
		res.Err = errors.New(strings.TrimSpace(p.Error()))
		if opts.Stack {
			res.Err = fmt.Errorf("%s\n%s", strings.TrimSpace(p.Error()), p.Stack)
		}
	}
	return res
}

// run is Run, filling res.
func run(ctx context.Context, cfg *config.Config, set *registry.Data, opts Options, res *Result) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	t, err := newTrainer(cfg, set, opts)
	if err != nil {
		res.Status, res.Err = record.StatusFailed, err
		return
	}
	stopper := newEarlyStopper(cfg.Train.EarlyStopping)
	for _, ep := range opts.History {
		stopper.observe(ep)
		t.rates.Observe(ep)
	}
	for epoch := len(opts.History) + 1; epoch <= cfg.Train.Epochs; epoch++ {
		if err := t.startEpoch(epoch); err != nil {
			res.Status, res.Err = record.StatusFailed, err
			return
		}
		ep, status, err := t.epoch(ctx, epoch)
		if status != "" {
			res.Status, res.Err = status, err
			return
		}
		if opts.Save != nil {
			if err := opts.Save(epoch, t.ctx); err != nil {
				res.Status, res.Err = record.StatusFailed, fmt.Errorf("saving the checkpoint of epoch %d: %w", epoch, err)
				return
			}
			t.savedAt(epoch)
		}
		if opts.SaveBest != nil {
			if err := opts.SaveBest(ep, t.ctx); err != nil {
				res.Status, res.Err = record.StatusFailed, fmt.Errorf("saving the best checkpoint (epoch %d): %w", epoch, err)
				return
			}
		}
		res.Epochs = append(res.Epochs, ep)
		t.rates.Observe(ep.Record)
		if opts.OnEpoch != nil {
			stop, err := opts.OnEpoch(ep)
			if err != nil {
				res.Status, res.Err = record.StatusFailed, err
				return
			}
			if stop.Status != "" {
				res.Status, res.StopReason = stop.Status, stop.Reason
				res.Summary = t.summary()
				return
			}
		}
		if reason := stopper.observe(ep.Record); reason != "" && epoch < cfg.Train.Epochs {
			res.Status, res.StopReason = record.StatusCompleted, reason
			res.Summary = t.summary()
			return
		}
	}
	res.Status = record.StatusCompleted
	res.Summary = t.summary()
}

// earlyStopper follows Keras's EarlyStopping: it counts the epochs since the
// monitored metric last improved by more than min_delta.
type earlyStopper struct {
	cfg       *config.EarlyStopping
	best      float64
	bestEpoch int
	wait      int
}

func newEarlyStopper(cfg *config.EarlyStopping) *earlyStopper {
	s := &earlyStopper{cfg: cfg, best: math.Inf(1)}
	if cfg != nil && record.HigherIsBetter(cfg.Monitor) {
		s.best = math.Inf(-1)
	}
	return s
}

// observe takes an epoch's metrics and returns why to stop, or "".
func (s *earlyStopper) observe(ep record.Epoch) string {
	if s.cfg == nil {
		return ""
	}
	v := ep.Value(s.cfg.Monitor)
	if v == nil {
		return ""
	}
	improved := *v < s.best-s.cfg.MinDelta
	if record.HigherIsBetter(s.cfg.Monitor) {
		improved = *v > s.best+s.cfg.MinDelta
	}
	if improved {
		s.best, s.bestEpoch, s.wait = *v, ep.Epoch, 0
		return ""
	}
	s.wait++
	if s.wait > s.cfg.Patience {
		return fmt.Sprintf("early stopping: %s did not improve for %d epoch(s) (best %.4f at epoch %d)",
			s.cfg.Monitor, s.wait, s.best, s.bestEpoch)
	}
	return ""
}

type trainer struct {
	cfg   *config.Config
	set   *registry.Data
	opts  Options
	m     *model.Model
	ctx   *mlctx.Context
	train *mlctx.Exec
	eval  *mlctx.Exec
	// batches holds one reusable pair of input tensors per batch size, shared
	// with the backend where it can (so filling them is the only copy).
	batches map[int]*batchTensors
	// evalBatches caches the validation set's batches: it never changes.
	evalBatches []*batchTensors
	// rates gives each step's learning rate (see rates.go).
	rates rates
	// resume is where the restored state stands within its epoch (nil:
	// at an epoch's end); the epoch clears it once it has continued.
	resume *Progress
	// lastSave is when the state was last saved (zero: not yet, and no
	// step taken since the trainer started); partialCost how long the last
	// partial save took, not counting an epoch's first (partialEpoch is the
	// epoch of the last one).
	lastSave     time.Time
	partialCost  time.Duration
	partialEpoch int
	// unfrozen is how many layers had unfrozen their weights
	// (registry.Unfreezer) when the training step was built.
	unfrozen int
}

// batchTensors are a batch's inputs, one per model input, and labels (or
// targets).
type batchTensors struct {
	xs []*tensors.Tensor
	y  *tensors.Tensor
}

func newTrainer(cfg *config.Config, set *registry.Data, opts Options) (*trainer, error) {
	m, err := model.New(cfg)
	if err != nil {
		return nil, err
	}
	ctx := mlctx.New()
	if err := ctx.SetRNGStateFromSeed(cfg.Train.Seed); err != nil {
		return nil, err
	}
	if opts.Restore != nil {
		if err := opts.Restore(ctx); err != nil {
			return nil, fmt.Errorf("restoring the checkpoint of epoch %d: %w", len(opts.History), err)
		}
	}
	if r := opts.Resume; r != nil && (opts.Restore == nil || r.Epoch != len(opts.History)+1) {
		return nil, fmt.Errorf("resuming within epoch %d needs the checkpoint restored after epoch %d", r.Epoch, len(opts.History))
	}
	t := &trainer{cfg: cfg, set: set, opts: opts, m: m, ctx: ctx, resume: opts.Resume}
	if w := cfg.Train.ClassWeight; w != nil && set.Train.Labels != nil {
		m.ClassWeights = w.Of(m.Info.NumClasses, set.Train.Labels)
	}
	t.rates = newRates(cfg, set.Train.N)
	first := len(opts.History) + 1
	registry.SetTrainingEpoch(ctx, first)
	t.unfrozen = unfrozenAt(cfg, first)
	if err := t.newTrainExec(); err != nil {
		return nil, err
	}
	if t.eval, err = mlctx.NewExec(opts.Backend, ctx.Checked(false), m.EvalStepInputs); err != nil {
		return nil, err
	}
	t.batches = map[int]*batchTensors{}
	return t, nil
}

// newTrainExec makes the training step's executor; its graph is built at
// its first step.
func (t *trainer) newTrainExec() (err error) {
	// Unchecked: the graphs create the variables on a fresh start and reuse
	// the restored ones on a resumed run.
	// The learning rate, when a schedule feeds it, follows the labels as
	// the last of TrainStepInputs's inputs.
	t.train, err = mlctx.NewExec(t.opts.Backend, t.ctx.Checked(false), t.m.TrainStepInputs)
	return err
}

// startEpoch tells the layers which epoch the graphs are built for
// (registry.TrainingEpoch) and, when a layer's frozen weights start
// training at epoch (registry.Unfreezer), builds the training step again:
// it then takes their gradients, and the optimizer makes their state
// (zeros) at the epoch's first step.
func (t *trainer) startEpoch(epoch int) error {
	registry.SetTrainingEpoch(t.ctx, epoch)
	n := unfrozenAt(t.cfg, epoch)
	if n == t.unfrozen {
		return nil
	}
	t.unfrozen = n
	t.train.Finalize()
	return t.newTrainExec()
}

// unfrozenAt returns how many of cfg's layers have unfrozen their weights
// by epoch.
func unfrozenAt(cfg *config.Config, epoch int) int {
	n := 0
	for _, l := range cfg.Model.Layers {
		if u, ok := l.Spec.(registry.Unfreezer); ok && u.UnfreezeEpoch() > 0 && u.UnfreezeEpoch() <= epoch {
			n++
		}
	}
	return n
}

// newBatch returns tensors for a batch of n examples of s, placed on the
// backend (sharing memory with it when it can) so that they can be refilled
// and reused.
func (t *trainer) newBatch(s *registry.Examples, n int) *batchTensors {
	b := &batchTensors{y: tensors.FromShape(t.m.Targets(n))}
	for _, shape := range t.m.InputShapes(n) {
		b.xs = append(b.xs, tensors.FromShape(shape))
	}
	for _, tt := range append([]*tensors.Tensor{b.y}, b.xs...) {
		if err := tt.MaterializeOnDevice(t.opts.Backend, true, 0); err != nil {
			panic(err)
		}
	}
	return b
}

// fill copies the examples idx of s into b. With epoch > 0 (a training
// batch) and s.Augment set, the inputs are then replaced by their
// augmentation for that epoch; evaluation passes epoch 0 and sees the
// examples as they are.
func (t *trainer) fill(b *batchTensors, s *registry.Examples, idx []int, epoch int) {
	model.FillInputs(b.xs, s, idx)
	if epoch > 0 && s.Augment != nil && s.Inputs == nil {
		tensors.MustMutableFlatData(b.xs[0], func(x []float32) { s.Augment(x, idx, epoch) })
	}
	if s.Labels != nil {
		tensors.MustMutableFlatData(b.y, func(labels []int32) { s.GatherLabels(idx, labels, nil) })
	} else {
		tensors.MustMutableFlatData(b.y, func(targets []float32) { s.GatherLabels(idx, nil, targets) })
	}
}

// args returns b's tensors as an Exec takes them: the inputs, then the
// labels or targets, then more.
func (b *batchTensors) args(more ...any) []any {
	out := make([]any, 0, len(b.xs)+1+len(more))
	for _, x := range b.xs {
		out = append(out, x)
	}
	return append(append(out, b.y), more...)
}

// trainBatch returns the reusable tensors for a training batch of the
// examples idx in epoch, filled (and augmented when s says so).
func (t *trainer) trainBatch(s *registry.Examples, idx []int, epoch int) *batchTensors {
	b := t.batches[len(idx)]
	if b == nil {
		b = t.newBatch(s, len(idx))
		t.batches[len(idx)] = b
	}
	t.fill(b, s, idx, epoch)
	return b
}

// step runs exec on a batch (and any further inputs) and returns its
// summed loss and correct count.
func step(exec *mlctx.Exec, b *batchTensors, more ...any) (lossSum, correct float64, err error) {
	out, err := exec.Exec(b.args(more...)...)
	if err != nil {
		return 0, 0, err
	}
	lossSum = float64(tensors.ToScalar[float32](out[0]))
	correct = float64(tensors.ToScalar[float32](out[1]))
	for _, o := range out {
		o.FinalizeAll()
	}
	return lossSum, correct, nil
}

// ErrDiverged is the error of a run whose loss became NaN or infinite.
var ErrDiverged = errors.New("loss is not finite")

// epoch trains and evaluates one epoch. A status is returned only when the
// run ends in it (interrupted, failed, diverged), with why.
func (t *trainer) epoch(ctx context.Context, epoch int) (Epoch, record.Status, error) {
	train := t.set.Train
	bs := t.cfg.Train.BatchSize
	steps := (train.N + bs - 1) / bs
	perm := data.Permutation(t.cfg.Train.Seed, epoch, train.N)
	bar := newProgress(t.opts.Progress, epoch, t.cfg.Train.Epochs, steps, t.opts.Now)
	start := t.opts.Now()
	p := Progress{Epoch: epoch}
	if r := t.resume; r != nil && r.Epoch == epoch {
		p, t.resume = *r, nil
	}
	prior := p.Seconds // the steps done before a partial save this epoch resumes
	for s := p.Step; s < steps; s++ {
		if err := ctx.Err(); err != nil {
			bar.clear()
			return Epoch{}, record.StatusInterrupted, fmt.Errorf("interrupted during epoch %d at step %d/%d", epoch, s, steps)
		}
		idx := perm[s*bs : min((s+1)*bs, train.N)]
		l, c, err := step(t.train, t.trainBatch(train, idx, epoch), t.rates.inputs(epoch, s)...)
		if err != nil {
			bar.clear()
			return Epoch{}, record.StatusFailed, err
		}
		if math.IsNaN(l) || math.IsInf(l, 0) {
			bar.clear()
			return Epoch{}, record.StatusDiverged, fmt.Errorf("%w at epoch %d, step %d/%d (batch loss %v)", ErrDiverged, epoch, s+1, steps, l)
		}
		p.Step, p.LossSum, p.Correct, p.Seen = s+1, p.LossSum+l, p.Correct+c, p.Seen+len(idx)
		bar.update(s+1, p.LossSum/float64(p.Seen), t.accuracy(p.Correct, p.Seen))
		if s+1 < steps {
			t.savePartial(p, prior, start)
		}
	}
	trainSecs := prior + t.opts.Now().Sub(start).Seconds()
	lossSum, correct, seen := p.LossSum, p.Correct, p.Seen
	bar.clear()
	ep := Epoch{Steps: steps, Record: record.Epoch{
		Epoch:     epoch,
		Loss:      ptr(lossSum / float64(seen)),
		Accuracy:  t.accuracy(correct, seen),
		MsPerStep: 1000 * trainSecs / float64(steps),
		LR:        ptr(t.rates.rate(epoch, steps-1)),
	}}
	if trainSecs > 0 {
		ep.Record.ExamplesPerSecond = float64(seen) / trainSecs
	}
	if val := t.set.Val; val != nil && val.N > 0 {
		evalStart := t.opts.Now()
		vl, vc, cm, err := t.evaluate(ctx, val)
		if err != nil {
			if ctx.Err() != nil {
				return Epoch{}, record.StatusInterrupted, fmt.Errorf("interrupted while evaluating epoch %d", epoch)
			}
			return Epoch{}, record.StatusFailed, err
		}
		ep.Record.ValLoss = ptr(vl / float64(val.N))
		ep.Record.ValAccuracy = t.accuracy(vc, val.N)
		if cm != nil {
			ep.Confusion = cm
			ep.Record.ValF1Macro = ptr(cm.F1Macro())
		}
		ep.EvalSeconds = t.opts.Now().Sub(evalStart).Seconds()
	}
	ep.Record.Seconds = prior + t.opts.Now().Sub(start).Seconds()
	if t.opts.Log != nil {
		fmt.Fprintln(t.opts.Log, FormatEpoch(ep, t.cfg.Train.Epochs))
	}
	return ep, "", nil
}

// partials reports whether the run saves partial checkpoints.
func (t *trainer) partials() bool { return t.opts.Partial != nil && t.opts.PartialEvery > 0 }

// savedAt notes that the state after epoch was just saved.
func (t *trainer) savedAt(epoch int) {
	if t.partials() {
		t.lastSave = t.opts.Now()
	}
}

// savePartial saves p with the state if a partial save is due (see
// Options.Partial); the epoch's training so far began at start, after
// prior seconds of it before a resume.
func (t *trainer) savePartial(p Progress, prior float64, start time.Time) {
	if !t.partials() {
		return
	}
	now := t.opts.Now()
	if t.lastSave.IsZero() {
		t.lastSave = now // the first step since the start: the interval begins
	}
	if now.Sub(t.lastSave) < max(t.opts.PartialEvery, 100*t.partialCost) {
		return
	}
	p.Seconds = prior + now.Sub(start).Seconds()
	began := time.Now()          // the save's cost in real time, whatever the run's clock
	_ = t.opts.Partial(p, t.ctx) // failing only leaves the epoch in progress unprotected (see Options.Partial)
	if p.Epoch == t.partialEpoch {
		t.partialCost = time.Since(began)
	}
	t.partialEpoch = p.Epoch
	t.lastSave = t.opts.Now()
}

// evaluate scores the validation set; for classification it also counts
// its confusion matrix.
func (t *trainer) evaluate(ctx context.Context, val *registry.Examples) (lossSum, correct float64, cm confusion.Matrix, err error) {
	if t.evalBatches == nil {
		bs := t.cfg.Train.EvalBatchSize
		for from := 0; from < val.N; from += bs {
			idx := make([]int, 0, bs)
			for i := from; i < min(from+bs, val.N); i++ {
				idx = append(idx, i)
			}
			b := t.newBatch(val, len(idx))
			t.fill(b, val, idx, 0)
			t.evalBatches = append(t.evalBatches, b)
		}
	}
	if val.Labels != nil {
		cm = confusion.New(t.m.Info.NumClasses)
	}
	from := 0
	for _, b := range t.evalBatches {
		if err := ctx.Err(); err != nil {
			return 0, 0, nil, err
		}
		l, c, pred, err := evalStep(t.eval, b, cm != nil)
		if err != nil {
			return 0, 0, nil, err
		}
		if cm != nil {
			cm.Add(val.Labels[from:from+len(pred)], pred)
			from += len(pred)
		}
		lossSum += l
		correct += c
	}
	return lossSum, correct, cm, nil
}

// evalStep is step for EvalStep, also returning its predicted classes when
// classes is true.
func evalStep(exec *mlctx.Exec, b *batchTensors, classes bool) (lossSum, correct float64, pred []int32, err error) {
	out, err := exec.Exec(b.args()...)
	if err != nil {
		return 0, 0, nil, err
	}
	lossSum = float64(tensors.ToScalar[float32](out[0]))
	correct = float64(tensors.ToScalar[float32](out[1]))
	if classes && len(out) > 2 {
		pred = tensors.MustCopyFlatData[int32](out[2])
	}
	for _, o := range out {
		o.FinalizeAll()
	}
	return lossSum, correct, pred, nil
}

func (t *trainer) accuracy(correct float64, n int) *float64 {
	if !t.set.Classification() || n == 0 {
		return nil
	}
	return ptr(correct / float64(n))
}

func ptr(f float64) *float64 { return &f }

// summary returns what to store with a finished run: for a model that is a
// single dense unit on one input (a fitted line), its w and b, with the
// dataset's facts (e.g. the generating and least-squares values).
func (t *trainer) summary() map[string]float64 {
	out := map[string]float64{}
	for k, v := range t.set.Meta {
		out[k] = v
	}
	if len(t.m.Layers) == 1 && t.m.Layers[0].Type == "dense" && t.set.ExampleSize() == 1 {
		scope := model.Scope + mlctx.ScopeSeparator + t.m.Names[0]
		if k := t.ctx.GetVariableByScopeAndName(scope, "kernel"); k != nil && k.Shape().Size() == 1 {
			out["w"] = scalarOf(k)
		}
		if b := t.ctx.GetVariableByScopeAndName(scope, "bias"); b != nil && b.Shape().Size() == 1 {
			out["b"] = scalarOf(b)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func scalarOf(v *mlctx.Variable) float64 {
	var f float64
	tensors.MustConstFlatData(v.MustValue(), func(flat []float32) { f = float64(flat[0]) })
	return f
}

// FormatEpoch formats an epoch's metrics as one Keras-like line:
// "Epoch 3/5 - 1875/1875 - 12s 6ms/step - loss: 0.2763 - accuracy: 0.9208 - val_loss: 0.2127 - val_accuracy: 0.9407".
func FormatEpoch(ep Epoch, epochs int) string {
	r := &ep.Record
	var b strings.Builder
	fmt.Fprintf(&b, "Epoch %d/%d - %d/%d - %s %s/step", r.Epoch, epochs, ep.Steps, ep.Steps, formatSeconds(r.Seconds), formatMs(r.MsPerStep))
	for _, name := range record.MetricNames() {
		if v := r.Value(name); v != nil {
			fmt.Fprintf(&b, " - %s: %.4f", name, *v)
		}
	}
	return b.String()
}

func formatSeconds(s float64) string {
	if s < 10 {
		return fmt.Sprintf("%.1fs", s)
	}
	return fmt.Sprintf("%.0fs", s)
}

func formatMs(ms float64) string {
	if ms < 10 {
		return fmt.Sprintf("%.2fms", ms)
	}
	return fmt.Sprintf("%.0fms", ms)
}
