package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/datasets"
	"github.com/exp-runner/exp/internal/suggest"
	"github.com/exp-runner/exp/registry"
)

func nearestCommand(name string) string { return suggest.Nearest(name, commandNames()) }

// loadData loads the config's dataset, sliced as configured. Problems with
// the data are usage errors (exit 2): nothing has trained yet.
func loadData(ctx context.Context, cfg *config.Config) (*registry.Data, error) {
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
