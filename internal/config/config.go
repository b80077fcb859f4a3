package config

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gomlx/gomlx/backends"

	"github.com/exp-runner/exp/internal/infile"
	"github.com/exp-runner/exp/internal/keypath"
	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/suggest"
	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// DefaultBackend is the GoMLX backend used when a config names none: exp's
// own CPU backend (package internal/cpu). Like every backend name, it is
// valid only in a program that registers it (package cli does).
const DefaultBackend = "cpu"

// Config is one experiment: what to train on, the model, how to train it.
type Config struct {
	Name    string `yaml:"name"`
	Data    Data   `yaml:"data"`
	Model   Model  `yaml:"model"`
	Train   Train  `yaml:"train"`
	Backend string `yaml:"backend"`

	// Variants and Sweep are a sweep file's sections, taken out by package
	// plan before a trial's config is decoded; they are listed here so that
	// the known keys of a config file are all named in one place.
	Variants *yaml.Node `yaml:"variants,omitempty"`
	Sweep    *yaml.Node `yaml:"sweep,omitempty"`

	// Source is the document the config was decoded from (after overrides).
	Source *yamlx.Doc `yaml:"-"`
}

// Data selects and slices the dataset. Keys other than the ones below are the
// dataset's own (e.g. dir for mnist; w, b, n, noise, seed for linear).
type Data struct {
	Dataset         string           `yaml:"dataset"`
	TrainExamples   int              `yaml:"train_examples"`
	ValExamples     int              `yaml:"val_examples"`
	ValidationSplit float64          `yaml:"validation_split"`
	Params          registry.Dataset `yaml:",inline"`

	// Dir is the absolute folder that the dataset's relative paths are
	// resolved against: the config file's folder.
	Dir string `yaml:"-"`
	// Memory is how the dataset checks that its data fits in memory
	// before loading it (Options.Memory).
	Memory registry.MemoryPolicy `yaml:"-"`
	// Context stops the dataset's reading in Validate (Options.Context).
	Context context.Context `yaml:"-"`

	// invalid is true when validating the data section found problems:
	// the data's inputs are then not known.
	invalid bool
}

// Model is a stack of layers.
type Model struct {
	Name   string  `yaml:"name"`
	Layers []Layer `yaml:"layers"`
}

// Layer is one entry of model.layers: its type, an optional name, the
// names of the layers it takes as input (empty: the previous layer, or the
// model's input for the first), and the type's own parameters.
type Layer struct {
	Type   string         `yaml:"type"`
	Name   string         `yaml:"name,omitempty"`
	Inputs []string       `yaml:"inputs,omitempty"`
	Spec   registry.Layer `yaml:",inline"`
	// KernelRegularizer adds a penalty on the layer's kernel to the loss
	// (dense and convolution layers; see regularize.go).
	KernelRegularizer *Regularizer `yaml:"kernel_regularizer,omitempty"`
	// Defaulted lists the layer's keys that the config leaves out and the
	// data sets (an embedding's input_dim, from the vocabulary of the text
	// column it takes): they are in the resolved config, not in its hash.
	Defaulted []string `yaml:"-"`
}

// Train holds the training hyperparameters.
type Train struct {
	Optimizer     Optimizer `yaml:"optimizer"`
	LearningRate  float64   `yaml:"learning_rate"`
	Loss          string    `yaml:"loss"`
	BatchSize     int       `yaml:"batch_size"`
	Epochs        int       `yaml:"epochs"`
	Seed          int64     `yaml:"seed"`
	EvalBatchSize int       `yaml:"eval_batch_size"`
	// EarlyStopping, when set, stops a run whose monitored metric has not
	// improved for a while.
	EarlyStopping *EarlyStopping `yaml:"early_stopping"`
	// LRSchedule, when set, changes the learning rate during training.
	LRSchedule *LRSchedule `yaml:"lr_schedule,omitempty"`
	// LabelSmoothing mixes one-hot labels with the uniform distribution
	// (0: off), as Keras's CategoricalCrossentropy.
	LabelSmoothing float64 `yaml:"label_smoothing,omitempty"`
	// ClassWeight weighs each training example's loss by its class.
	ClassWeight *ClassWeight `yaml:"class_weight,omitempty"`
	// Checkpoint, when set, names the metric by which the best epoch's
	// weights are kept (default: record.DefaultMetric).
	Checkpoint *Checkpoint `yaml:"checkpoint"`
}

// Checkpoint is train.checkpoint: monitor is the metric whose best epoch's
// weights a run keeps for prediction ("" for the default metric).
type Checkpoint struct {
	Monitor string `yaml:"monitor"`
}

// BestMetric returns the metric by which a run of c keeps its best epoch:
// train.checkpoint.monitor, else record.DefaultMetric.
func (c *Config) BestMetric() string {
	if c.Train.Checkpoint != nil && c.Train.Checkpoint.Monitor != "" {
		return c.Train.Checkpoint.Monitor
	}
	return record.DefaultMetric(c.HasMetric)
}

// EarlyStopping is train.early_stopping, with Keras's EarlyStopping
// semantics: the run stops (as completed, with a stop reason) once monitor
// has not improved by more than min_delta for patience epochs in a row.
type EarlyStopping struct {
	Monitor  string  `yaml:"monitor"`
	Patience int     `yaml:"patience"`
	MinDelta float64 `yaml:"min_delta"`
}

// UnmarshalYAMLX decodes early stopping settings over Keras's defaults
// (monitor val_loss, patience 0, min_delta 0). The monitor is written into
// the resolved config, so its default is part of every config hash that has
// early stopping: it stays Keras's rather than record.DefaultMetric.
func (e *EarlyStopping) UnmarshalYAMLX(r *yamlx.Reporter) {
	*e = EarlyStopping{Monitor: record.ValLoss}
	type plain EarlyStopping
	yamlx.Decode(r, (*plain)(e))
}

// Optimizer is train.optimizer: a name, or a mapping with a name and the
// optimizer's parameters.
type Optimizer struct {
	Name string             `yaml:"name"`
	Spec registry.Optimizer `yaml:",inline"`
	Clip `yaml:",inline"`
}

// Default returns the configuration used for what a file leaves out, named
// after the file's stem.
func Default(file string) *Config {
	stem := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	c := &Config{
		Name:    stem,
		Backend: DefaultBackend,
		Data:    Data{Dataset: "mnist"},
		Model:   Model{Name: stem},
		Train: Train{
			Optimizer:     Optimizer{Name: "adam"},
			LearningRate:  0.001,
			BatchSize:     32,
			Epochs:        1,
			Seed:          0,
			EvalBatchSize: 1000,
		},
	}
	if f, err := registry.Datasets.Lookup(c.Data.Dataset); err == nil {
		c.Data.Params = f()
	}
	if f, err := registry.Optimizers.Lookup(c.Train.Optimizer.Name); err == nil {
		c.Train.Optimizer.Spec = f()
	}
	return c
}

// Override is one command-line override of a config value: Expr is
// "key.path=value" with a YAML scalar value, Label names it in errors
// ("--set #2", "--epochs").
type Override struct {
	Label string
	Expr  string
}

// Sets turns the values of repeated --set flags into overrides labelled
// "--set #1", "--set #2", ….
func Sets(exprs []string) []Override {
	out := make([]Override, len(exprs))
	for i, e := range exprs {
		out[i] = Override{Label: fmt.Sprintf("--set #%d", i+1), Expr: e}
	}
	return out
}

// Options are what the caller decides about reading a config, beyond the
// file's text. The zero Options read the file as it is, resolve relative
// data paths against its folder, and check one copy of the data against
// this machine's memory.
type Options struct {
	// Overrides are applied to the document before it is decoded.
	Overrides []Override
	// Dir is the folder that the dataset's relative paths resolve against
	// ("": the folder of the config's file).
	Dir string
	// Memory is handed to the dataset (registry.DataEnv.Memory), which
	// checks the size of its data against it before loading; a zero
	// Total is filled with this machine's memory (meminfo.Total).
	Memory registry.MemoryPolicy
	// Context, when not nil, stops the dataset's reading of its files
	// once it is done (registry.DataEnv.Context).
	Context context.Context
}

// Load reads the config file at path, applies the overrides, and parses and
// validates the result. On config errors it returns a yamlx.ErrorList with
// every problem found, along with the config as far as it was decoded.
func Load(path string, overrides []Override) (*Config, error) {
	src, err := ReadFile(context.Background(), path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src, overrides)
}

// MaxFileBytes is the most a config file may hold: a larger file is no
// config (it may be a data file named by mistake, or /dev/zero).
const MaxFileBytes = 10_000_000

// ReadFile reads the config file at path, at most MaxFileBytes, until ctx
// is done. A missing file is an error that says so.
func ReadFile(ctx context.Context, path string) ([]byte, error) {
	src, err := infile.ReadAll(ctx, path, MaxFileBytes)
	var tl *infile.TooLargeError
	if errors.As(err, &tl) {
		tl.Why = "the most a config file may hold: is it a config file?"
	}
	return src, err
}

// Parse is Load for a file's contents: file names it in errors and gives the
// default name; relative data paths resolve against file's folder.
func Parse(file string, src []byte, overrides []Override) (*Config, error) {
	return ParseWith(file, src, Options{Overrides: overrides})
}

// ParseIn is Parse with relative data paths resolved against dir rather
// than file's folder: a stored config, named "run N's config", takes the
// folder of the file it came from.
func ParseIn(dir, file string, src []byte, overrides []Override) (*Config, error) {
	return ParseWith(file, src, Options{Overrides: overrides, Dir: dir})
}

// ParseWith is Parse with the options o.
func ParseWith(file string, src []byte, o Options) (*Config, error) {
	doc, err := yamlx.Parse(file, src)
	if err != nil {
		return nil, err
	}
	return FromDoc(doc, o)
}

// fileDir returns the absolute folder of file.
func fileDir(file string) string {
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return filepath.Dir(file)
	}
	return dir
}

// FromDoc decodes and validates the config held by doc's root, after
// applying o's overrides to it; relative data paths resolve against o.Dir,
// else the folder of doc's file. Errors come as a yamlx.ErrorList, with the
// config as far as it was decoded.
func FromDoc(doc *yamlx.Doc, o Options) (*Config, error) {
	r := yamlx.NewReporter(doc)
	if doc.Root.Kind != yaml.MappingNode {
		r.Errorf("a config file must be a mapping of keys (name, data, model, train, backend), got %s", yamlx.Describe(doc.Root))
		return nil, r.Err()
	}
	ApplyOverrides(r, o.Overrides)
	c := Default(doc.File)
	c.Source = doc
	yamlx.Decode(r, c)
	c.Data.Dir = o.Dir
	if c.Data.Dir == "" {
		c.Data.Dir = fileDir(doc.File)
	}
	c.Data.Memory = o.Memory
	c.Data.Context = o.Context
	if c.Data.Memory.Total == 0 {
		c.Data.Memory.Total = meminfo.Total()
	}
	c.Data.validate(r.Field("data"))
	c.resolve()
	c.validate(r)
	return c, r.Err()
}

// resolve fills the defaults that depend on other keys: the loss follows the
// dataset (cross-entropy for classes, mean squared error for regression).
// It runs after the data section's validation, which reads a user's files
// and so knows whether they hold classes or regression targets.
func (c *Config) resolve() {
	c.resolveSchedule()
	if c.Train.Loss == "" {
		c.Train.Loss = "sparse_categorical_crossentropy"
		if c.Data.Params != nil && !c.Data.Params.Info().Classification() {
			c.Train.Loss = "mse"
		}
	}
}

// ApplyOverrides applies overrides to the document r reports on, each value
// labelled for errors.
func ApplyOverrides(r *yamlx.Reporter, overrides []Override) {
	doc := r.Doc()
	for _, o := range overrides {
		at := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
		doc.Label(at, o.Label)
		rep := r.At("", at)
		key, val, ok := strings.Cut(o.Expr, "=")
		if !ok {
			rep.Errorf("expected key.path=value, got %q", o.Expr)
			continue
		}
		key = strings.TrimSpace(key)
		if slices.Contains(PathKeys, key) || layerFileKey(doc, key) {
			val = absPath(val)
		}
		if err := SetValue(doc, key, val, o.Label); err != nil {
			rep.Errorf("%v", err)
		}
	}
}

// PathKeys are the data keys that name files or folders. A relative path
// written in a config file resolves against the file's folder; one given
// on the command line (--set) resolves against the working directory, so
// ApplyOverrides makes it absolute. The keys of layers that name files
// (registry.FileLayer's FileKeys) are treated the same way.
var PathKeys = []string{"data.path", "data.val_path", "data.labels", "data.x_path", "data.y_path", "data.dir"}

// UnhashedKeys are the keys config_hash leaves out: limits that change
// what is refused, never a result (data.max_image_pixels).
var UnhashedKeys = []string{"data.max_image_pixels"}

// absPath returns val made absolute against the working directory when it
// is a relative path; otherwise val.
func absPath(val string) string {
	v := strings.TrimSpace(val)
	if v == "" || filepath.IsAbs(v) || strings.ContainsAny(v[:1], "\"'[{~!&*|>%@`") {
		return val
	}
	abs, err := filepath.Abs(v)
	if err != nil {
		return val
	}
	return strconv.Quote(abs)
}

// SetValue puts the YAML scalar text val at key (a key path) in doc,
// labelling the new node.
func SetValue(doc *yamlx.Doc, key, val, label string) error {
	p, err := keypath.Parse(key)
	if err != nil {
		return err
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(val), &n); err != nil {
		return fmt.Errorf("%s: value %q is not a YAML value: %v", key, val, err)
	}
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		v = n.Content[0]
	}
	doc.Label(v, label)
	if err := keypath.Set(doc.Root, p, v); err != nil {
		return fmt.Errorf("%s: %v", key, err)
	}
	doc.LabelNew(label)
	return nil
}

// Validate checks ranges and names, reporting each problem at its key.
func (c *Config) Validate(r *yamlx.Reporter) {
	c.Data.validate(r.Field("data"))
	c.validate(r)
}

// Inputs are the model's inputs (registry.DataInfo.ModelInputs): those of
// the dataset, or one named "input".
func (c *Config) Inputs() []registry.Input {
	if c.Data.Params == nil {
		return registry.DataInfo{}.ModelInputs()
	}
	return c.Data.Params.Info().ModelInputs()
}

// validate is Validate but for the data section.
func (c *Config) validate(r *yamlx.Reporter) {
	if c.Name == "" {
		r.Field("name").Errorf("must not be empty")
	}
	validateBackend(r.Field("backend"), c.Backend)
	c.Model.validate(r.Field("model"), graphInputs{list: c.Inputs(), unknown: c.Data.invalid || c.Data.Params == nil, data: r.Field("data")}, c.layerEnv())
	c.Train.validate(r.Field("train"), c.Data)
	c.validateExtras(r)
}

func validateBackend(r *yamlx.Reporter, spec string) {
	name, _, _ := strings.Cut(spec, ":")
	known := backends.List()
	slices.Sort(known)
	if slices.Contains(known, name) {
		return
	}
	err := &registry.UnknownError{Kind: "backend", Name: name, Known: known}
	r.Errorf("%v", err)
}

func (d *Data) validate(r *yamlx.Reporter) {
	before := r.Count()
	defer func() { d.invalid = r.Count() > before }()
	if d.TrainExamples < 0 {
		r.Field("train_examples").Errorf("must be ≥ 0 (0 takes all), got %d", d.TrainExamples)
	}
	if d.ValExamples < 0 {
		r.Field("val_examples").Errorf("must be ≥ 0 (0 takes all), got %d", d.ValExamples)
	}
	if !(d.ValidationSplit >= 0 && d.ValidationSplit < 1) {
		r.Field("validation_split").Errorf("must be in [0, 1), got %g", d.ValidationSplit)
	}
	if d.Params == nil {
		return
	}
	d.Params.Validate(APIReporter(r), d.env())
}

// env is what the dataset learns of its surroundings: the folder its
// relative paths resolve against, the split the common keys ask for, and
// the memory policy.
func (d *Data) env() registry.DataEnv {
	return registry.DataEnv{
		Dir:     d.Dir,
		Split:   registry.Split{Fraction: d.ValidationSplit, TrainN: d.TrainExamples, ValN: d.ValExamples},
		Memory:  d.Memory,
		Context: d.Context,
	}
}

// validate checks the model section against the data's inputs in; layers
// that read files (registry.FileLayer) and are valid then read them, as env
// says.
func (m *Model) validate(r *yamlx.Reporter, in graphInputs, env registry.LayerEnv) {
	if m.Name == "" {
		r.Field("name").Errorf("must not be empty")
	}
	if len(m.Layers) == 0 {
		r.Field("layers").Errorf("must list at least one layer")
	}
	sizeVocabularies(r.Field("layers"), m.Layers, in.list, in.unknown)
	problems := make([]int, len(m.Layers))
	for i, l := range m.Layers {
		if l.Spec != nil {
			l.Spec.Validate(counter{APIReporter(r.Field("layers").Index(i)), &problems[i]})
		}
	}
	readFiles(r, m.Layers, problems, env)
	validateGraph(r.Field("layers"), m.Layers, in)
}

func (t *Train) validate(r *yamlx.Reporter, d Data) {
	if !(t.LearningRate > 0) || math.IsInf(t.LearningRate, 0) {
		r.Field("learning_rate").Errorf("must be > 0, got %g", t.LearningRate)
	}
	if t.BatchSize <= 0 {
		r.Field("batch_size").Errorf("must be > 0, got %d", t.BatchSize)
	}
	if t.Epochs <= 0 {
		r.Field("epochs").Errorf("must be > 0, got %d", t.Epochs)
	}
	if t.EvalBatchSize <= 0 {
		r.Field("eval_batch_size").Errorf("must be > 0, got %d", t.EvalBatchSize)
	}
	if t.Optimizer.Spec != nil {
		t.Optimizer.Spec.Validate(APIReporter(r.Field("optimizer")))
	}
	if es := t.EarlyStopping; es != nil {
		er := r.Field("early_stopping")
		checkMonitor(er.Field("monitor"), &d, es.Monitor)
		if es.Patience < 0 {
			er.Field("patience").Errorf("must be ≥ 0, got %d", es.Patience)
		}
		if !(es.MinDelta >= 0) {
			er.Field("min_delta").Errorf("must be ≥ 0, got %g", es.MinDelta)
		}
	}
	if cp := t.Checkpoint; cp != nil && cp.Monitor != "" {
		checkMonitor(r.Field("checkpoint").Field("monitor"), &d, cp.Monitor)
	}
	loss, err := registry.Losses.Lookup(t.Loss)
	if err != nil {
		r.Field("loss").Errorf("%v", err)
		return
	}
	if d.Params == nil {
		return
	}
	switch info := d.Params.Info(); {
	case loss.Classification && !info.Classification():
		r.Field("loss").Errorf("%q needs class labels, but dataset %q has regression targets; use \"mse\"", t.Loss, d.Dataset)
	case !loss.Classification && info.Classification():
		r.Field("loss").Errorf("%q needs regression targets, but dataset %q has class labels; use \"sparse_categorical_crossentropy\"", t.Loss, d.Dataset)
	}
}

// UnmarshalYAMLX decodes the data section: `dataset` first, then the common
// keys and the dataset's own.
func (d *Data) UnmarshalYAMLX(r *yamlx.Reporter) {
	if !decodeNamed(r, "dataset", &d.Dataset, func(name string) error {
		f, err := registry.Datasets.Lookup(name)
		if err == nil {
			d.Params = f()
		}
		return err
	}) {
		return
	}
	type plain Data
	yamlx.Decode(r, (*plain)(d))
}

// UnmarshalYAMLX decodes a layer: `type` first, then its parameters.
func (l *Layer) UnmarshalYAMLX(r *yamlx.Reporter) {
	n := r.Node()
	if yamlx.IsNull(n) || n.Kind != yaml.MappingNode {
		r.Errorf("must be a mapping with a type, e.g. {type: dense, units: 128}, got %s", yamlx.Describe(n))
		return
	}
	if _, v := yamlx.MapGet(n, "type"); v == nil {
		r.Field("type").Errorf("is required (known: %s)", strings.Join(registry.Layers.Names(), ", "))
		return
	}
	if !decodeNamed(r, "type", &l.Type, func(name string) error {
		f, err := registry.Layers.Lookup(name)
		if err == nil {
			l.Spec = f()
		}
		return err
	}) {
		return
	}
	type plain Layer
	yamlx.Decode(r, (*plain)(l))
}

// UnmarshalYAMLX decodes an optimizer given as a name or as a mapping with a
// name (default: the name it already has) and parameters.
func (o *Optimizer) UnmarshalYAMLX(r *yamlx.Reporter) {
	n := r.Node()
	if n != nil && n.Kind == yaml.ScalarNode && !yamlx.IsNull(n) {
		f, err := registry.Optimizers.Lookup(n.Value)
		if err != nil {
			r.Errorf("%v", err)
			return
		}
		o.Name, o.Spec = n.Value, f()
		return
	}
	if !decodeNamed(r, "name", &o.Name, func(name string) error {
		f, err := registry.Optimizers.Lookup(name)
		if err == nil {
			o.Spec = f()
		}
		return err
	}) {
		return
	}
	type plain Optimizer
	yamlx.Decode(r, (*plain)(o))
}

// decodeNamed decodes key of r's mapping (when present) into *name and calls
// lookup with it, reporting its error at the key. It returns false when the
// rest of the mapping cannot be decoded (the name is wrong or r is no mapping).
func decodeNamed(r *yamlx.Reporter, key string, name *string, lookup func(string) error) bool {
	n := r.Node()
	if yamlx.IsNull(n) {
		return false
	}
	if n.Kind != yaml.MappingNode {
		r.Errorf("must be a mapping, got %s", yamlx.Describe(n))
		return false
	}
	if _, v := yamlx.MapGet(n, key); v != nil {
		fr := r.Field(key)
		var s string
		yamlx.Decode(fr, &s)
		if s == "" {
			return false
		}
		*name = s
	}
	if err := lookup(*name); err != nil {
		r.Field(key).Errorf("%v", err)
		return false
	}
	return true
}

// MarshalYAMLX encodes the optimizer as a mapping of its name and parameters.
func (o Optimizer) MarshalYAMLX() *yaml.Node {
	type plain Optimizer
	return yamlx.Encode(plain(o))
}

// Node returns the resolved config as a YAML node.
func (c *Config) Node() *yaml.Node { return yamlx.Encode(c) }

// YAML returns the resolved config, every default filled in.
func (c *Config) YAML() string { return yamlx.Marshal(c.Node()) }

// checkMonitor reports at r a monitor that is not an epoch metric, or one
// that runs on d do not record.
func checkMonitor(r *yamlx.Reporter, d *Data, monitor string) {
	m, ok := record.LookupMetric(monitor)
	if !ok || m.Direction == record.Unranked {
		names := record.MetricNames()
		msg := fmt.Sprintf("unknown metric %q (known: %s)", monitor, strings.Join(names, ", "))
		if s := suggest.Nearest(monitor, names); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		r.Errorf("%s", msg)
		return
	}
	if d.Params == nil {
		return
	}
	switch {
	case m.Validation && !d.hasValidation():
		r.Errorf("%q needs validation data: dataset %q has none; set data.validation_split", monitor, d.Dataset)
	case m.Classes && !d.Params.Info().Classification():
		r.Errorf("%q needs class labels; dataset %q is a regression", monitor, d.Dataset)
	}
}

// hasValidation reports whether d has validation data: the dataset's own,
// or a validation_split.
func (d *Data) hasValidation() bool {
	return d.Params != nil && (d.Params.Info().Validation || d.ValidationSplit > 0)
}

// HasMetric reports whether a run of c records the epoch metric called
// name: validation metrics need validation data, accuracies class labels.
func (c *Config) HasMetric(name string) bool {
	m, ok := record.LookupMetric(name)
	if !ok || c.Data.Params == nil {
		return false
	}
	return (!m.Validation || c.Data.hasValidation()) && (!m.Classes || c.Data.Params.Info().Classification())
}

// Hash returns the sha256 (hex) of the resolved config's canonical JSON,
// leaving out the labels name and model.name, and UnhashedKeys. For a
// dataset that hashes its files' contents (registry.ContentHasher) the
// data section's paths (PathKeys) are left out too and that hash
// (data_hash) is put in: the same data moved elsewhere is the same
// experiment, and changed data is another. A layer's keys that the data
// set (Layer.Defaulted) are left out too: the data hash covers them.
// Likewise a layer that read files (registry.FileLayer) has its file keys
// replaced by their contents' hash (FilesHashKey).
func (c *Config) Hash() string {
	cp := *c
	cp.Name = ""
	cp.Model.Name = ""
	n := cp.Node()
	dropDefaulted(n, c.Model.Layers)
	h := c.Data.DataHash()
	if _, d := yamlx.MapGet(n, "data"); d != nil && d.Kind == yaml.MappingNode {
		var kept []*yaml.Node
		for i := 0; i+1 < len(d.Content); i += 2 {
			key := "data." + d.Content[i].Value
			if !slices.Contains(UnhashedKeys, key) && (h == "" || !slices.Contains(PathKeys, key)) {
				kept = append(kept, d.Content[i], d.Content[i+1])
			}
		}
		d.Content = kept
		if h != "" {
			d.Content = append(d.Content, yamlx.Encode("data_hash"), yamlx.Encode(h))
		}
	}
	c.hashLayerFiles(n)
	sum := sha256.Sum256(yamlx.CanonicalJSON(n))
	return hex.EncodeToString(sum[:])
}

// dropDefaulted removes from the resolved config n each layer's Defaulted
// keys.
func dropDefaulted(n *yaml.Node, layers []Layer) {
	_, m := yamlx.MapGet(n, "model")
	if m == nil {
		return
	}
	_, ls := yamlx.MapGet(m, "layers")
	if ls == nil || ls.Kind != yaml.SequenceNode || len(ls.Content) != len(layers) {
		return
	}
	for i, l := range layers {
		d := ls.Content[i]
		if len(l.Defaulted) == 0 || d.Kind != yaml.MappingNode {
			continue
		}
		var kept []*yaml.Node
		for k := 0; k+1 < len(d.Content); k += 2 {
			if !slices.Contains(l.Defaulted, d.Content[k].Value) {
				kept = append(kept, d.Content[k], d.Content[k+1])
			}
		}
		d.Content = kept
	}
}

// DataHash is the hash of the contents of the dataset's files
// (registry.ContentHasher), or "" for the other datasets.
func (d *Data) DataHash() string {
	if h, ok := d.Params.(registry.ContentHasher); ok {
		return h.DataHash()
	}
	return ""
}

// Preprocessing is what turns the dataset's files into model inputs, as
// JSON (registry.Preprocessor), or nil for the other datasets.
func (d *Data) Preprocessing() ([]byte, error) {
	if p, ok := d.Params.(registry.Preprocessor); ok {
		return p.Preprocessing()
	}
	return nil, nil
}

// Summary describes the data as the dataset read it, a line each
// (registry.Summarizer), or nil for the other datasets.
func (d *Data) Summary() []string {
	if s, ok := d.Params.(registry.Summarizer); ok {
		return s.Summary()
	}
	return nil
}

// splitsItself reports whether the dataset applies validation_split,
// train_examples and val_examples itself (registry.Splitter).
func (d *Data) splitsItself() bool {
	s, ok := d.Params.(registry.Splitter)
	return ok && s.SplitsItself()
}

// Load loads the dataset and slices it as configured. A registry.Splitter
// applies validation_split, train_examples and val_examples itself; for
// the other datasets Load keeps the first train_examples training
// examples, then holds out the last validation_split of them, then keeps
// the first val_examples validation examples.
func (d *Data) Load(ctx context.Context) (*registry.Data, error) {
	set, err := d.Params.Load(ctx, d.env())
	if err != nil {
		return nil, err
	}
	if d.splitsItself() {
		return set, nil
	}
	set.Train = set.Train.Head(d.TrainExamples)
	if d.ValidationSplit > 0 {
		if err := set.HoldOut(d.ValidationSplit); err != nil {
			return nil, err
		}
	}
	set.Limit(0, d.ValExamples)
	return set, nil
}
