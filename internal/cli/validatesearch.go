package cli

import (
	"fmt"
	"io"

	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/search"
)

// writeSearch explains a tpe sweep in exp validate: trials are proposed as
// results arrive; the space; the first n_startup trials (random search's).
func writeSearch(w io.Writer, file string, p *plan.Plan) {
	s := p.Search()
	fmt.Fprintf(w, "%s: ok: tpe search (seed %d) of %d trials, to %s %s (each trial's best epoch)\n",
		file, s.Config.Seed, s.Samples, s.Direction(), s.Monitor)
	fmt.Fprintf(w, "Trials are proposed as results arrive: the first %d are random search's draws, then TPE proposes each from the trials recorded so far.\n\n", s.Config.NStartup)
	for _, w2 := range p.Warnings {
		fmt.Fprintf(w, "warning: %s\n\n", w2)
	}
	fmt.Fprintln(w, "Space:")
	for i, prm := range s.Space {
		fmt.Fprintf(w, "  %s: %s\n", prm.Name, describeParam(p.Spec.Axes[i], prm))
	}
	fmt.Fprintf(w, "\nFirst %d trials:\n", len(p.Trials))
	for _, t := range p.Trials {
		fmt.Fprintf(w, "  trial %*d: %s\n", len(fmt.Sprint(len(p.Trials))), t.Index, t.FormatParams())
	}
	for _, a := range p.Architectures {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Trials %s:\n", ranges(a.Trials))
		WriteSummary(w, a.Model, a.Summary)
	}
}

// describeParam writes a parameter as the sweep does: kind and range, or
// its choices.
func describeParam(ax *plan.Axis, prm search.Param) string {
	if prm.Kind != search.Categorical {
		return fmt.Sprintf("%s [%g, %g]", prm.Kind, prm.Lo, prm.Hi)
	}
	vals := make([]string, len(ax.Values))
	for i, v := range ax.Values {
		vals[i] = v.Value
	}
	return fmt.Sprintf("choice %v", vals)
}
