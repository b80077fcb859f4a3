package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/exp-runner/exp/internal/record"
)

// WriteRun prints a run as exp show does: its status, sweep and trial,
// times, backend, config hash, error, summary, resolved config, and a table
// of its epochs.
func WriteRun(w io.Writer, r *record.Run, eps []*record.Epoch) error {
	fmt.Fprintf(w, "run %d: %s (model %s): %s", r.ID, r.Name, r.ModelName, r.Status)
	if r.StopReason != "" {
		fmt.Fprintf(w, " (%s)", r.StopReason)
	}
	fmt.Fprintln(w)
	if r.SweepID != 0 {
		fmt.Fprintf(w, "sweep %d, trial %d", r.SweepID, r.Trial)
		if p := record.FormatParams(r.Params); p != "" {
			fmt.Fprintf(w, ": %s", p)
		}
		fmt.Fprintf(w, " (attempts: %d)\n", r.Attempts)
	}
	fmt.Fprintf(w, "started %s", r.StartedAt.UTC().Format(time.RFC3339))
	if r.FinishedAt != nil {
		fmt.Fprintf(w, ", finished %s", r.FinishedAt.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "; backend %s; config hash %s\n", r.Backend, r.ConfigHash[:min(12, len(r.ConfigHash))])
	if r.Error != "" {
		fmt.Fprintf(w, "error: %s\n", r.Error)
	}
	if len(r.Summary) > 0 {
		fmt.Fprintf(w, "summary: %s\n", formatSummary(r.Summary))
	}
	fmt.Fprintf(w, "\nconfig:\n%s\n", indent(r.ConfigYAML, "  "))
	writeData(w, r)
	if len(eps) == 0 {
		fmt.Fprintln(w, "no epochs finished")
		return nil
	}
	return writeEpochs(w, eps)
}

// writeData prints what a run of a user's files read: the hash of their
// contents and the preprocessing (classes, features and their statistics,
// categories, image size and colour mode), as indented JSON.
func writeData(w io.Writer, r *record.Run) {
	if r.DataHash != "" {
		fmt.Fprintf(w, "data hash: %s\n", r.DataHash)
	}
	if r.Preprocessing == "" {
		return
	}
	var b bytes.Buffer
	if err := json.Indent(&b, shortVocabularies([]byte(r.Preprocessing)), "  ", "  "); err != nil {
		b.Reset()
		b.WriteString(r.Preprocessing)
	}
	fmt.Fprintf(w, "preprocessing:\n  %s\n", b.String())
}

// shownTokens is how many tokens of a text column's vocabulary exp show
// prints.
const shownTokens = 20

// shortVocabularies returns the preprocessing JSON pre with each text
// column's vocabulary cut to its first shownTokens tokens and a count of
// the rest (a vocabulary has up to millions); other JSON is returned as it
// is.
func shortVocabularies(pre []byte) []byte {
	var p map[string]json.RawMessage
	if json.Unmarshal(pre, &p) != nil || p["text"] == nil {
		return pre
	}
	var cols []map[string]any
	if json.Unmarshal(p["text"], &cols) != nil {
		return pre
	}
	for _, c := range cols {
		v, _ := c["vocabulary"].(map[string]any)
		if toks, ok := v["tokens"].([]any); ok && len(toks) > shownTokens {
			v["tokens"] = append(toks[:shownTokens:shownTokens], fmt.Sprintf("… %d tokens in all", len(toks)))
		}
	}
	b, err := json.Marshal(cols)
	if err != nil {
		return pre
	}
	p["text"] = b
	out, err := json.Marshal(p)
	if err != nil {
		return pre
	}
	return out
}

// formatSummary formats a run's summary as k=v pairs sorted by key.
func formatSummary(s map[string]float64) string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%.6g", k, s[k])
	}
	return strings.Join(parts, " ")
}

// writeEpochs prints a table of epochs: each metric, then the timings.
func writeEpochs(w io.Writer, eps []*record.Epoch) error {
	names := record.MetricNames()
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	t.Header(append(append([]string{"epoch"}, names...), "seconds", "ms/step", "examples/s"))
	for _, e := range eps {
		cells := []string{fmt.Sprint(e.Epoch)}
		for _, name := range names {
			cells = append(cells, FormatMetric(Metric(name), Metric(name).Of(e)))
		}
		cells = append(cells, fmt.Sprintf("%.1f", e.Seconds), fmt.Sprintf("%.2f", e.MsPerStep), fmt.Sprintf("%.0f", e.ExamplesPerSecond))
		if err := t.Append(cells); err != nil {
			return err
		}
	}
	return t.Render()
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
