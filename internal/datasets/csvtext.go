package datasets

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/exp-runner/exp/internal/keypath"
	"github.com/exp-runner/exp/internal/tabular"
	"github.com/exp-runner/exp/internal/text"
	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// CSVText is a csv dataset's `text:` section: the columns that hold free
// text, and how they become token ids (the keys and defaults of
// text.Options).
type CSVText struct {
	Columns        []string `yaml:"columns"`         // required
	Tokenizer      string   `yaml:"tokenizer"`       // words (default) or chars
	Lowercase      bool     `yaml:"lowercase"`       // true
	MaxTokens      int      `yaml:"max_tokens"`      // 20000, the 2 reserved ids included
	MinFrequency   int      `yaml:"min_frequency"`   // 1
	SequenceLength int      `yaml:"sequence_length"` // 128
}

// UnmarshalYAMLX decodes the section over text.DefaultOptions.
func (t *CSVText) UnmarshalYAMLX(r *yamlx.Reporter) {
	d := text.DefaultOptions()
	*t = CSVText{Tokenizer: d.Tokenizer, Lowercase: d.Lowercase, MaxTokens: d.MaxTokens,
		MinFrequency: d.MinFrequency, SequenceLength: d.SequenceLength}
	type plain CSVText
	yamlx.Decode(r, (*plain)(t))
}

// options are the section's tokenizer and vocabulary settings.
func (t *CSVText) options() text.Options {
	return text.Options{Tokenizer: t.Tokenizer, Lowercase: t.Lowercase, MaxTokens: t.MaxTokens,
		MinFrequency: t.MinFrequency, SequenceLength: t.SequenceLength}
}

// reservedInputs are the names a text column may not have: the model's
// input, and the input of the other features.
var reservedInputs = []string{registry.InputName, tabular.FeaturesInput}

// validate checks the section's keys (r is at data.text) against the
// csv's target and features, and reports whether the columns are valid;
// the file's header is checked when it is read.
func (t *CSVText) validate(r registry.Reporter, target string, features []string) bool {
	ok := true
	cr := &countingReporter{Reporter: r, ok: &ok}
	if len(t.Columns) == 0 {
		cr.Field("columns").Errorf("is required: the columns that hold free text, e.g. columns: [title, body]")
	}
	for i, name := range t.Columns {
		cr := cr.Field("columns").Index(i)
		switch {
		case name == "":
			cr.Errorf("must not be empty")
		case name == registry.InputName || name == tabular.FeaturesInput:
			cr.Errorf("a text column may not be named %q: each text column is a model input named after it, and %s name the model's inputs; rename the column",
				name, strings.Join(quoted(reservedInputs), " and "))
		case name == target:
			cr.Errorf("%q is the target; a text column is an input", name)
		case slices.Contains(features, name):
			cr.Errorf("%q is also listed in features; a column is text or a feature", name)
		case slices.Contains(t.Columns[:i], name):
			cr.Errorf("%q is listed twice", name)
		}
	}
	for _, err := range t.options().Validate() {
		var fe *text.FieldError
		if errors.As(err, &fe) {
			r.Field(fe.Key).Errorf("%s", fe.Msg)
			continue
		}
		r.Errorf("%v", err)
	}
	return ok
}

// countingReporter clears *ok when a problem is reported through it or a
// Reporter it returns.
type countingReporter struct {
	registry.Reporter
	ok *bool
}

func (c *countingReporter) Field(name string) registry.Reporter {
	return &countingReporter{Reporter: c.Reporter.Field(name), ok: c.ok}
}

func (c *countingReporter) Index(i int) registry.Reporter {
	return &countingReporter{Reporter: c.Reporter.Index(i), ok: c.ok}
}

func (c *countingReporter) Errorf(format string, args ...any) {
	*c.ok = false
	c.Reporter.Errorf(format, args...)
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}

// fitText is the text section as tabular's fit takes it (nil without one).
// An invalid setting, which validate reported, is replaced by its default,
// so that the files are still read and their problems reported too.
func (c *CSV) fitText() *tabular.TextOptions {
	if c.Text == nil {
		return nil
	}
	o, d := c.Text.options(), text.DefaultOptions()
	for _, err := range o.Validate() {
		var fe *text.FieldError
		if !errors.As(err, &fe) {
			continue
		}
		switch fe.Key {
		case "tokenizer":
			o.Tokenizer = d.Tokenizer
		case "max_tokens":
			o.MaxTokens = d.MaxTokens
		case "min_frequency":
			o.MinFrequency = d.MinFrequency
		case "sequence_length":
			o.SequenceLength = d.SequenceLength
		}
	}
	return &tabular.TextOptions{Columns: c.Text.Columns, Options: o}
}

// textMemory checks, before the text columns become token ids, that they
// fit in memory: rows × columns × sequence_length int32s.
func (c *CSV) textMemory(m registry.MemoryPolicy) func(rows int, need int64) error {
	if c.Text == nil {
		return nil
	}
	return func(rows int, need int64) error {
		what := fmt.Sprintf("csv: the token ids of %d rows × %d text column(s) × sequence_length %d need",
			rows, len(c.Text.Columns), c.Text.SequenceLength)
		return m.Check(what, need, "int32")
	}
}

// textSummary describes each text column for exp validate: its vocabulary,
// the training cells' lengths and what was cut, and the validation cells'
// tokens out of the vocabulary.
func textSummary(l *tabular.Loaded) []string {
	var out []string
	for i, st := range l.Text {
		v := l.Pre.Text[i].Vocabulary
		o := v.Options()
		tr := st.Train
		out = append(out, fmt.Sprintf("  text %q: vocabulary %d ids (%s tokenizer, lowercase %t, max_tokens %d, min_frequency %d)",
			st.Name, tr.VocabularySize, o.Tokenizer, o.Lowercase, o.MaxTokens, o.MinFrequency))
		out = append(out, fmt.Sprintf("    training: length in tokens p50 %d, p95 %d, max %d; %d of %d rows cut at sequence_length %d; %d empty",
			tr.LengthP50, tr.LengthP95, tr.LengthMax, tr.Cut, tr.Rows, o.SequenceLength, tr.Empty))
		if va := st.Val; va != nil {
			out = append(out, fmt.Sprintf("    validation: %.1f%% of %d tokens out of vocabulary; length p50 %d, p95 %d, max %d; %d of %d rows cut; %d empty",
				100*va.OOVShare(), va.Tokens, va.LengthP50, va.LengthP95, va.LengthMax, va.Cut, va.Rows, va.Empty))
		}
	}
	return out
}

// keyReporter returns the Reporter at key, a key path under r's mapping
// such as "text.columns[1]".
func keyReporter(r registry.Reporter, key string) registry.Reporter {
	p, err := keypath.Parse(key)
	if err != nil {
		return r
	}
	for _, seg := range p {
		if seg.IsIndex {
			r = r.Index(seg.Index)
		} else {
			r = r.Field(seg.Key)
		}
	}
	return r
}
