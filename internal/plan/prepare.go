package plan

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// InputError is a problem with a config file or the data it names, found
// before anything trains: exp exits with status 2 for it. Err is a
// yamlx.ErrorList for the file's own errors (each at its line), else a
// message that starts with "exp: ".
type InputError struct{ Err error }

// Error returns Err's message.
func (e *InputError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *InputError) Unwrap() error { return e.Err }

// Prepare expands the config file at path (with the overrides o) into a
// plan, building each distinct model with model.NewBackend. Every problem
// is an *InputError.
func Prepare(path string, o []config.Override, opts Options) (*Plan, error) {
	opts.NewBackend = model.NewBackend
	p, err := Load(path, o, opts)
	var errs yamlx.ErrorList
	switch {
	case errors.As(err, &errs):
		return nil, &InputError{Err: errs}
	case errors.Is(err, os.ErrNotExist):
		return nil, &InputError{Err: fmt.Errorf("exp: config file %v", err)}
	case err != nil:
		return nil, &InputError{Err: fmt.Errorf("exp: %v", err)}
	}
	return p, nil
}

// Memory estimates the memory each trial of p needs (by position: the
// trial with Index i is at i-1), loading each distinct dataset once. A
// dataset that cannot be loaded is an *InputError; a cancelled ctx returns
// ctx's error. Knowing each trial's training examples, it adds to
// p.Warnings the trials whose batchnorm cannot warm up in their training
// steps.
func (p *Plan) Memory(ctx context.Context) ([]model.Memory, error) {
	sums := map[int]*model.Summary{}
	for _, a := range p.Architectures {
		for _, i := range a.Trials {
			sums[i] = a.Summary
		}
	}
	out := make([]model.Memory, len(p.Trials))
	trainN := map[int]int{}
	for i, t := range p.Trials {
		data, err := p.dataBytes(ctx, t.Config)
		if err != nil {
			return nil, err
		}
		trainN[t.Index] = data.trainN
		if s := sums[t.Index]; s != nil {
			out[i] = model.EstimateMemory(t.Config, s, nil)
			out[i].Data = data.bytes
		}
	}
	if !p.warmupChecked {
		p.warmupChecked = true
		p.Warnings = append(p.Warnings, p.warmupWarnings(trainN)...)
	}
	return out, nil
}

// EstimateTrial estimates the memory of a trial that is not among p's
// planned ones (one a tpe search proposed), as Memory does: its model is
// built on its backend, and its data loaded unless a planned trial had the
// same data section.
func (p *Plan) EstimateTrial(ctx context.Context, t *Trial) (model.Memory, error) {
	be, err := model.NewBackend(t.Config.Backend)
	if err != nil {
		return model.Memory{}, err
	}
	sum, errs := model.Inspect(t.Config, be)
	if len(errs) > 0 {
		return model.Memory{}, errs
	}
	data, err := p.dataBytes(ctx, t.Config)
	if err != nil {
		return model.Memory{}, err
	}
	m := model.EstimateMemory(t.Config, sum, nil)
	m.Data = data.bytes
	return m, nil
}

// dataBytes returns the bytes the examples of cfg's dataset take in
// memory, and its training examples, loading each distinct data section
// once.
func (p *Plan) dataBytes(ctx context.Context, cfg *config.Config) (dataSize, error) {
	key := yamlx.Marshal(yamlx.Encode(cfg.Data))
	p.dataMu.Lock()
	n, ok := p.dataSizes[key]
	p.dataMu.Unlock()
	if ok {
		return n, nil
	}
	set, err := LoadData(ctx, cfg)
	if err != nil {
		return dataSize{}, err
	}
	n = dataSize{bytes: set.Train.Bytes() + set.Val.Bytes(), trainN: set.Train.N}
	p.dataMu.Lock()
	if p.dataSizes == nil {
		p.dataSizes = map[string]dataSize{}
	}
	p.dataSizes[key] = n
	p.dataMu.Unlock()
	return n, nil
}

// dataSize is what a data section's examples take: their bytes, and the
// number of training examples.
type dataSize struct {
	bytes  int64
	trainN int
}

// LoadData loads cfg's dataset, sliced as configured. A problem with the
// data is an *InputError (nothing has trained yet); a cancelled ctx returns
// ctx's error.
func LoadData(ctx context.Context, cfg *config.Config) (*registry.Data, error) {
	set, err := cfg.Data.Load(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return nil, &InputError{Err: fmt.Errorf("exp: data: %v", err)}
	}
	return set, nil
}

// MemoryRefusal returns why a trial needing mem, run jobs at a time on a
// machine of total bytes, is refused ("" if it fits or total is unknown).
func MemoryRefusal(mem model.Memory, jobs int, total int64) string {
	need := mem.Total() * int64(jobs)
	if total <= 0 || need <= total {
		return ""
	}
	times := ""
	if jobs > 1 {
		times = fmt.Sprintf(" × %d jobs = %s", jobs, meminfo.Binary(need))
	}
	return fmt.Sprintf("not enough memory: the trial needs an estimated %s%s, more than the machine's %s (--force to try anyway)",
		mem.String(), times, meminfo.Binary(total))
}
