package layers

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/internal/onnx"
	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("onnx", func() registry.Layer { return &ONNX{Layout: string(onnx.NCHW)} })
}

var (
	_ registry.FileLayer = (*ONNX)(nil)
	_ registry.Unfreezer = (*ONNX)(nil)
)

// ONNX is a network read from an ONNX file (a pretrained backbone, cut at
// output), frozen or trainable; see package internal/onnx for how the graph
// is converted.
//
// Its weights are variables of the layer's scope ONNX. Frozen (trainable
// false, before unfreeze_at_epoch) they are non-trainable: no gradient, no
// optimizer state, and checkpoints leave them out (they are read from the
// file again). BatchNormalization inside runs in inference mode on the
// exported statistics, frozen or not.
type ONNX struct {
	// Path is the ONNX file, relative to the config file's folder.
	Path string `yaml:"path"`
	// Output is the tensor to cut the graph at ("": its only output).
	Output string `yaml:"output"`
	// Layout is the model's image layout: nchw (PyTorch) or nhwc.
	Layout string `yaml:"layout"`
	// Trainable fine-tunes the imported weights from the first epoch.
	Trainable bool `yaml:"trainable"`
	// UnfreezeAtEpoch, with Trainable false, is the epoch (from 1) at
	// which the weights start training (0: never).
	UnfreezeAtEpoch int `yaml:"unfreeze_at_epoch"`

	file *onnxFile     // what ReadFiles read
	last *onnx.Summary // the cut as last built
}

// Validate checks the keys; ReadFiles reads the file.
func (l *ONNX) Validate(r registry.Reporter) {
	if l.Path == "" {
		r.Field("path").Errorf("is required: the ONNX file, relative to the config file")
	}
	if l.Layout != string(onnx.NCHW) && l.Layout != string(onnx.NHWC) {
		r.Field("layout").Errorf("must be nchw (what PyTorch exports) or nhwc, got %q", l.Layout)
	}
	switch {
	case l.UnfreezeAtEpoch < 0:
		r.Field("unfreeze_at_epoch").Errorf("must be ≥ 0 (0: never), got %d", l.UnfreezeAtEpoch)
	case l.UnfreezeAtEpoch > 0 && l.Trainable:
		r.Field("unfreeze_at_epoch").Errorf("is for frozen weights (trainable: false); with trainable: true they train from epoch 1")
	}
}

// FileKeys returns the key naming the ONNX file.
func (l *ONNX) FileKeys() []string { return []string{"path"} }

// ReadFiles reads the ONNX file and its external data, refusing them before
// reading when they are larger than env.Memory allows, and checks the cut:
// the output tensor exists and every op it needs converts.
func (l *ONNX) ReadFiles(r registry.Reporter, env registry.LayerEnv) {
	path := l.Path
	if !filepath.IsAbs(path) && env.Dir != "" {
		path = filepath.Join(env.Dir, path)
	}
	f, err := openONNX(path, displayPath(l.Path, path), maxFileBytes(env.Memory))
	if err != nil {
		if errors.Is(err, onnx.ErrTooLarge) {
			err = fmt.Errorf("%w; this machine has %s (use --force to try anyway)", err, meminfo.Text(env.Memory.Total))
		}
		r.Field("path").Errorf("%v", err)
		return
	}
	if err := f.m.Validate(l.options()); err != nil {
		var oe *onnx.OutputError
		if errors.As(err, &oe) {
			r.Field("output").Errorf("%v", err)
			return
		}
		for _, e := range unjoin(err) {
			r.Field("path").Errorf("%v", e)
		}
		return
	}
	l.file = f
}

// maxFileBytes is the most an ONNX file and its external data may hold
// under p: one copy per job in the machine's memory (0: no limit).
func maxFileBytes(p registry.MemoryPolicy) int64 {
	if p.Force || p.Total <= 0 {
		return 0
	}
	return p.Total / int64(max(p.Copies, 1))
}

// unjoin returns the errors joined in err, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// FilesHash returns the hash of the file's and its external data's
// contents.
func (l *ONNX) FilesHash() string {
	if l.file == nil {
		return ""
	}
	return l.file.hash
}

// Files returns the ONNX file with its external data files.
func (l *ONNX) Files() []registry.LayerFile {
	if l.file == nil {
		return nil
	}
	return []registry.LayerFile{{Key: "path", Path: l.file.abs, With: l.file.m.DataFiles()}}
}

// UnfreezeEpoch returns unfreeze_at_epoch.
func (l *ONNX) UnfreezeEpoch() int { return l.UnfreezeAtEpoch }

// options returns the cut and layout.
func (l *ONNX) options() onnx.Options {
	return onnx.Options{Output: l.Output, Layout: onnx.Layout(l.Layout)}
}

// trainableAt reports whether the weights train in the graphs built for
// epoch (0: outside training).
func (l *ONNX) trainableAt(epoch int) bool {
	return l.Trainable || (l.UnfreezeAtEpoch > 0 && epoch >= l.UnfreezeAtEpoch)
}

// Build adds the cut of the graph to x's graph: trainable when trainable
// is set, or from unfreeze_at_epoch on (registry.TrainingEpoch).
func (l *ONNX) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if l.file == nil {
		return nil, fmt.Errorf("%s: the ONNX file was not read (the config was not validated)", l.Path)
	}
	out, s, err := l.file.m.BuildSummary(ctx, x, l.options(), l.trainableAt(registry.TrainingEpoch(ctx)))
	if err != nil {
		return nil, err
	}
	l.last = s
	return out, nil
}

// ExtraActivations returns the values per example the imported graph
// computes inside (its output is counted as the layer's), for the memory
// estimate.
func (l *ONNX) ExtraActivations([][]int) int64 {
	if l.last == nil {
		return 0
	}
	return l.last.Activations
}

// UnfrozenParams returns the weights that start training at
// unfreeze_at_epoch (0 without one), for the memory estimate: their
// gradients and optimizer state then count too.
func (l *ONNX) UnfrozenParams() int64 {
	if l.last == nil || l.Trainable || l.UnfreezeAtEpoch == 0 {
		return 0
	}
	return l.last.Trainable + l.last.NonTrainable - l.last.Statistics
}

// Notes describe the imported graph as last built, for exp validate: the
// file, the cut and its output shape, the parameters split as they train,
// the ops and the opset.
func (l *ONNX) Notes() []string {
	s := l.last
	if s == nil || l.file == nil {
		return nil
	}
	cut := "its output"
	if l.Output != "" {
		cut = fmt.Sprintf("%q", l.Output)
	}
	from := ""
	if s.Producer != "" {
		from = ", from " + s.Producer
	}
	params := fmt.Sprintf("parameters %s (trainable %s, non-trainable %s)",
		commas(s.Trainable+s.NonTrainable), commas(s.Trainable), commas(s.NonTrainable))
	if !l.Trainable && l.UnfreezeAtEpoch > 0 {
		params += fmt.Sprintf("; %s train from epoch %d", commas(l.UnfrozenParams()), l.UnfreezeAtEpoch)
	}
	return []string{
		fmt.Sprintf("%s: ONNX opset %d%s, layout %s, cut at %s: output %s", l.Path, s.Opset, from, l.Layout, cut, ShapeString(s.Output)),
		params,
		fmt.Sprintf("%d ops: %s", s.Ops, opCounts(s.OpCounts)),
	}
}

// opCounts formats op counts, the most frequent first: "Conv 20, Relu 17".
func opCounts(counts map[string]int) string {
	ops := make([]string, 0, len(counts))
	for op := range counts {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool {
		if counts[ops[i]] != counts[ops[j]] {
			return counts[ops[i]] > counts[ops[j]]
		}
		return ops[i] < ops[j]
	})
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = fmt.Sprintf("%s %d", op, counts[op])
	}
	return strings.Join(parts, ", ")
}

// commas formats n with thousands separators.
func commas(n int64) string {
	if n < 0 {
		return "-" + commas(-n)
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
