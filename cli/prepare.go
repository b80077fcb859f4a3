package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/gomlx/backends"

	"github.com/exp-runner/exp/config"
	"github.com/exp-runner/exp/data"
	"github.com/exp-runner/exp/datasets"
	"github.com/exp-runner/exp/internal/suggest"
	"github.com/exp-runner/exp/model"
	"github.com/exp-runner/exp/yamlx"
)

func nearestCommand(name string) string { return suggest.Nearest(name, commandNames()) }

// prepared is a config that loaded, validated and built.
type prepared struct {
	cfg     *config.Config
	backend backends.Backend
	summary *model.Summary
}

// prepare loads the config at path with its overrides, creates its backend
// and builds its model once; every problem found is returned at once as a
// usage error (exit 2).
func prepare(path string, overrides []config.Override) (*prepared, error) {
	cfg, err := config.Load(path, overrides)
	var errs yamlx.ErrorList
	switch {
	case errors.As(err, &errs):
	case errors.Is(err, os.ErrNotExist):
		return nil, usageError("exp: config file %s does not exist", path)
	case err != nil:
		return nil, usageError("exp: %v", err)
	}
	p := &prepared{cfg: cfg}
	if cfg != nil && !hasErrorUnder(errs, "backend") {
		p.backend, err = newBackend(cfg.Backend)
		if err != nil {
			r := yamlx.NewReporter(cfg.Source).Field("backend")
			r.Errorf("%v", err)
			errs = append(errs, r.Errors()...)
		}
	}
	if p.backend != nil && !hasErrorUnder(errs, "model") && !hasErrorUnder(errs, "data") && !hasErrorUnder(errs, "train.loss") {
		sum, inspectErrs := model.Inspect(cfg, p.backend)
		errs = append(errs, inspectErrs...)
		p.summary = sum
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, &ExitError{Code: ExitUsage, Err: errs}
	}
	return p, nil
}

func hasErrorUnder(errs yamlx.ErrorList, path string) bool {
	for _, e := range errs {
		if e.Path == path || strings.HasPrefix(e.Path, path+".") || strings.HasPrefix(e.Path, path+"[") {
			return true
		}
	}
	return false
}

// newBackend creates a GoMLX backend, turning a panic into an error.
func newBackend(spec string) (b backends.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot create backend %q: %v", spec, r)
		}
	}()
	return backends.NewWithConfig(spec)
}

// loadData loads the config's dataset, sliced as configured. Problems with
// the data are usage errors (exit 2): nothing has trained yet.
func loadData(ctx context.Context, cfg *config.Config) (*data.Set, error) {
	set, err := cfg.Data.Load(ctx)
	var le *datasets.LoadError
	switch {
	case errors.As(err, &le):
		return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("exp: data: %v", err)}
	case err != nil && ctx.Err() == nil:
		return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("exp: data: %v", err)}
	}
	return set, err
}
