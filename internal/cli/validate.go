package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/exp-runner/exp/internal/plan"

	"github.com/exp-runner/exp/internal/layers"
	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/registry"
)

func init() {
	register("validate", &command{
		summary: "check a config file and summarise its model",
		usage: `Usage: exp validate FILE [--epochs N] [--set key.path=value]... [--max-trials N]

Checks FILE without training: every error in it, and in every trial of its
sweep, is reported at once, as FILE:LINE:COL: key.path: message. A valid
config's data, when read from a user's files (csv, npz, images), is
described (examples in training and validation, features or image shape,
the task and why, each class with its count, what was skipped), then its
model is built once and summarised, Keras-style: each layer's output shape
and parameter count, and the memory training it takes (an estimate:
weights, gradients and optimizer state, the activations of one training
step at the batch size, and the examples). For a sweep it lists the trials and
summarises each distinct model.

Flags:
	--epochs N       the same as --set train.epochs=N
	--set KEY=VALUE  override a config value, as for exp run; repeatable
	--max-trials N   refuse sweeps with more trials (default 1000)

Exit status: 0 valid, 2 errors.

Examples:
	exp validate configs/cnn.yaml
	exp validate configs/sweep.yaml
	exp validate configs/mlp.yaml --set model.layers[1].units=256
`,
		run: (*Main).runValidate,
	})
}

func (m *Main) runValidate(ctx context.Context, args []string) error {
	fs := m.newFlagSet("validate")
	epochs := fs.String("epochs", "", "")
	maxTrials := fs.Int("max-trials", plan.DefaultMaxTrials, "")
	var sets multiFlag
	fs.Var(&sets, "set", "")
	pos, err := m.parse(fs, "validate", args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("exp validate: expected one config file, got %d arguments\nUsage: exp validate FILE [--set key.path=value]...", len(pos))
	}
	p, err := loadPlan(pos[0], overrides(sets, *epochs), plan.Options{MaxTrials: *maxTrials, Context: ctx})
	if err != nil {
		return err
	}
	mems, err := trialMemory(ctx, p)
	if err != nil {
		return err
	}
	if !p.Sweep {
		fmt.Fprintf(m.Stdout, "%s: ok\n", pos[0])
		writeDataSummaries(m.Stdout, p)
		WriteSummary(m.Stdout, p.Trials[0].Config.Model.Name, p.Architectures[0].Summary)
		writeMemory(m.Stdout, p, p.Architectures[0], mems)
		writeWarnings(m.Stdout, p)
		return nil
	}
	axes := make([]string, len(p.Spec.Axes))
	for i, ax := range p.Spec.Axes {
		axes[i] = ax.Path
	}
	how := "grid over " + strings.Join(axes, " × ")
	if p.Spec.Method == "random" {
		how = fmt.Sprintf("random search (seed %d) over %s", p.Spec.Seed, strings.Join(axes, ", "))
	}
	if p.Search() != nil {
		writeSearch(m.Stdout, pos[0], p)
		return nil
	}
	fmt.Fprintf(m.Stdout, "%s: ok: %d trials, %s\n\n", pos[0], len(p.Trials), how)
	for _, t := range p.Trials {
		fmt.Fprintf(m.Stdout, "  trial %*d: %s\n", len(fmt.Sprint(len(p.Trials))), t.Index, t.FormatParams())
	}
	writeDataSummaries(m.Stdout, p)
	for _, a := range p.Architectures {
		fmt.Fprintln(m.Stdout)
		fmt.Fprintf(m.Stdout, "Trials %s:\n", ranges(a.Trials))
		WriteSummary(m.Stdout, a.Model, a.Summary)
		writeMemory(m.Stdout, p, a, mems)
	}
	writeWarnings(m.Stdout, p)
	return nil
}

// writeWarnings prints the plan's warnings after a blank line, each as
// "warning: …".
func writeWarnings(w io.Writer, p *plan.Plan) {
	for _, warning := range p.Warnings {
		fmt.Fprintf(w, "\nwarning: %s\n", warning)
	}
}

// writeDataSummaries prints, once each, the descriptions of the user's
// files the trials of p read (examples, features or image shape, task,
// classes with their counts, what was skipped), a blank line after each.
func writeDataSummaries(w io.Writer, p *plan.Plan) {
	seen := map[string]bool{}
	for _, t := range p.Trials {
		lines := t.Config.Data.Summary()
		key := strings.Join(lines, "\n")
		if len(lines) == 0 || seen[key] {
			continue
		}
		seen[key] = true
		fmt.Fprintf(w, "%s\n\n", key)
	}
}

// ranges formats sorted trial numbers compactly: 1-4, 7.
func ranges(ns []int) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", ns[i], ns[j]))
		} else {
			parts = append(parts, fmt.Sprint(ns[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// WriteSummary prints a model summary in the manner of Keras's model.summary():
// for a model whose layers name their inputs, with the input as first row and
// a "Connected to" column, one connection per line.
func WriteSummary(w io.Writer, name string, s *model.Summary) {
	rows := [][4]string{{"Layer (type)", "Output Shape", "Param #", "Connected to"}}
	if s.Connected {
		rows = append(rows, inputRows(s)...)
	}
	for _, r := range s.Rows {
		row := [4]string{fmt.Sprintf("%s (%s)", r.Name, r.Type), layers.ShapeString(r.Output), commas(r.Params)}
		for k, in := range r.Inputs {
			if k > 0 {
				rows = append(rows, row)
				row = [4]string{}
			}
			row[3] = in + "[0][0]"
		}
		rows = append(rows, row)
	}
	cols := 3
	if s.Connected {
		cols = 4
	}
	var width [4]int
	for _, r := range rows {
		for i := range cols {
			width[i] = max(width[i], len([]rune(r[i])))
		}
	}
	total := width[0] + width[1] + width[2] + 6
	if s.Connected {
		total += width[3] + 3
	}
	fmt.Fprintf(w, "Model: %q\n", name)
	rule := func(c string) { fmt.Fprintln(w, strings.Repeat(c, total)) }
	rule("─")
	for i, r := range rows {
		line := fmt.Sprintf("%-*s   %-*s   %*s", width[0], r[0], width[1], r[1], width[2], r[2])
		if s.Connected {
			line = strings.TrimRight(fmt.Sprintf("%s   %s", line, r[3]), " ")
		}
		fmt.Fprintln(w, line)
		if i == 0 {
			rule("─")
		}
	}
	rule("─")
	fmt.Fprintf(w, "Total params: %s\n", commas(s.Total))
	fmt.Fprintf(w, "Trainable params: %s\n", commas(s.Trainable))
	fmt.Fprintf(w, "Non-trainable params: %s\n", commas(s.NonTrainable))
	for _, r := range s.Rows {
		for i, note := range r.Notes {
			if i == 0 {
				fmt.Fprintf(w, "%s (%s): %s\n", r.Name, r.Type, note)
			} else {
				fmt.Fprintf(w, "  %s\n", note)
			}
		}
	}
}

// inputRows are the summary's first rows, one per model input: "input
// (input)" for the one input of a model that has one, else each input's
// name, int32 ones (token ids) marked so.
func inputRows(s *model.Summary) [][4]string {
	if len(s.Inputs) == 0 {
		return [][4]string{{"input (input)", layers.ShapeString(s.Input), "0", "-"}}
	}
	var rows [][4]string
	for _, in := range s.Inputs {
		typ := "input"
		if in.DType == registry.Int32 {
			typ += ", int32"
		}
		rows = append(rows, [4]string{fmt.Sprintf("%s (%s)", in.Name, typ), layers.ShapeString(in.Shape), "0", "-"})
	}
	return rows
}

// commas formats n with thousands separators: 101,770.
func commas(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + commas(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
