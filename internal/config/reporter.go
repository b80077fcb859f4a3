package config

import (
	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// apiReporter is a *yamlx.Reporter seen through the registry's Reporter
// interface, which is what layers, optimizers and datasets validate with.
type apiReporter struct{ r *yamlx.Reporter }

// APIReporter returns r as a registry.Reporter.
func APIReporter(r *yamlx.Reporter) registry.Reporter { return apiReporter{r} }

func (a apiReporter) Field(name string) registry.Reporter { return apiReporter{a.r.Field(name)} }
func (a apiReporter) Index(i int) registry.Reporter       { return apiReporter{a.r.Index(i)} }
func (a apiReporter) Has(name string) bool                { return a.r.Has(name) }
func (a apiReporter) Errorf(format string, args ...any)   { a.r.Errorf(format, args...) }
