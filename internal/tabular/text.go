package tabular

import (
	"fmt"
	"slices"

	"github.com/exp-runner/exp/internal/text"
	"github.com/exp-runner/exp/registry"
)

// TextOptions are a table's free-text columns (data.text): each becomes a
// model input of SequenceLength int32 token ids, named after the column,
// through a vocabulary fitted on the training rows.
type TextOptions struct {
	Columns []string `json:"columns"`
	text.Options
}

// TextColumn is a text column of a Preprocessing and its vocabulary (which
// carries the tokenizer's settings).
type TextColumn struct {
	Name       string           `json:"name"`
	Vocabulary *text.Vocabulary `json:"vocabulary"`
}

// TextIDs are a text column's cells as token ids.
type TextIDs struct {
	Name       string
	Length     int     // ids per row: the sequence length
	Vocabulary int     // the vocabulary's size
	IDs        []int32 // N × Length
}

// TextStats describe a text column's training and validation cells for
// exp validate.
type TextStats struct {
	Name  string
	Train text.Stats
	Val   *text.Stats // nil without validation rows
}

// KeyError is a problem the data shows with a key of the config's data
// section, such as a text column that is not in the file: config errors
// report it at Key (e.g. "text.columns[1]").
type KeyError struct {
	Key string
	Err error
}

// Error is Err's message.
func (e *KeyError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *KeyError) Unwrap() error { return e.Err }

// TextColumns names the text columns, in order.
func (p *Preprocessing) TextColumns() []string {
	names := make([]string, len(p.Text))
	for i, c := range p.Text {
		names[i] = c.Name
	}
	return names
}

// FeaturesInput names the input of a table's other feature columns when it
// has text columns.
const FeaturesInput = "features"

// Inputs describes the model inputs the preprocessing makes: nil for a
// table without text columns (one float32 input of Width values); else one
// int32 input per text column, named after it, then the other features as
// one float32 input named "features" if there are any.
func (p *Preprocessing) Inputs() []registry.Input {
	if len(p.Text) == 0 {
		return nil
	}
	var ins []registry.Input
	for i, c := range p.Text {
		o := c.Vocabulary.Options()
		ins = append(ins, registry.Input{Name: c.Name, Shape: []int{o.SequenceLength}, DType: registry.Int32,
			Vocabulary: c.Vocabulary.Size(), Key: fmt.Sprintf("text.columns[%d]", i)})
	}
	if w := p.Width(); w > 0 {
		ins = append(ins, registry.Input{Name: FeaturesInput, Shape: []int{w}, DType: registry.Float32})
	}
	return ins
}

// textInputs returns d's inputs as registry.InputValues, in the order of
// Inputs.
func (d *Dataset) textInputs() []registry.InputValues {
	var out []registry.InputValues
	for _, t := range d.Text {
		out = append(out, registry.InputValues{Input: registry.Input{Name: t.Name, Shape: []int{t.Length},
			DType: registry.Int32, Vocabulary: t.Vocabulary}, I32: t.IDs})
	}
	if d.Width > 0 {
		out = append(out, registry.InputValues{Input: registry.Input{Name: FeaturesInput, Shape: []int{d.Width},
			DType: registry.Float32}, F32: d.X})
	}
	return out
}

// missingNames lists the columns whose missing cells count under missing:
// drop: the target and the features (every column but the text ones when
// opt lists no features).
func missingNames(t *Table, opt FitOptions) []string {
	names := append([]string{opt.Target}, opt.Features...)
	if opt.Features == nil {
		names = nil
		for _, n := range t.Names() {
			if opt.Text == nil || !slices.Contains(opt.Text.Columns, n) {
				names = append(names, n)
			}
		}
	}
	return names
}

// isText reports whether name is one of opt's text columns.
func (opt FitOptions) isText(name string) bool {
	return opt.Text != nil && slices.Contains(opt.Text.Columns, name)
}

// checkText reports the text columns that are not in t, are the target or
// are listed twice or among the features, each at its key.
func checkText(t *Table, opt FitOptions, errs *Errors) {
	if opt.Text == nil {
		return
	}
	for i, name := range opt.Text.Columns {
		key := fmt.Sprintf("text.columns[%d]", i)
		bad := func(format string, args ...any) {
			errs.Add(&KeyError{Key: key, Err: &CellError{Path: t.Path, Line: 1, Msg: fmt.Sprintf(format, args...)}})
		}
		switch _, err := t.Column(name); {
		case name == opt.Target:
			bad("text column %q is the target", name)
		case slices.Index(opt.Text.Columns, name) < i:
			bad("text column %q is listed twice", name)
		case slices.Contains(opt.Features, name):
			bad("text column %q is also listed in features; a column is text or a feature", name)
		case err != nil:
			errs.Add(&KeyError{Key: key, Err: fmt.Errorf("text column: %w", err)})
		}
	}
}

// fitText fits a vocabulary on each text column's training cells.
func (p *Preprocessing) fitText(t *Table, opt FitOptions) error {
	if opt.Text == nil {
		return nil
	}
	p.Version = PreprocessingTextVersion
	for _, name := range opt.Text.Columns {
		c, err := t.Column(name)
		if err != nil {
			return err // checkText reported it
		}
		v, err := text.Fit(c.Raw, opt.Text.Options)
		if err != nil {
			return &KeyError{Key: "text", Err: err}
		}
		p.Text = append(p.Text, TextColumn{Name: name, Vocabulary: v})
	}
	return nil
}

// applyText encodes the text columns of t into d, reporting cells that
// are not UTF-8 at their line.
func (p *Preprocessing) applyText(t *Table, d *Dataset, errs *Errors) {
	for _, tc := range p.Text {
		c, err := t.Column(tc.Name)
		if err != nil {
			errs.Add(fmt.Errorf("text column %q is missing: %w", tc.Name, err))
			continue
		}
		for i, cell := range c.Raw {
			if err := text.CheckUTF8(cell); err != nil {
				errs.Add(&CellError{Path: t.Path, Line: int(t.Lines[i]), Column: c.Name, Msg: err.Error()})
			}
		}
		o := tc.Vocabulary.Options()
		d.Text = append(d.Text, TextIDs{Name: tc.Name, Length: o.SequenceLength,
			Vocabulary: tc.Vocabulary.Size(), IDs: tc.Vocabulary.EncodeAll(c.Raw)})
	}
}

// textStats describes each text column of train and val (nil: none).
func (p *Preprocessing) textStats(train, val *Table) []TextStats {
	var out []TextStats
	for _, tc := range p.Text {
		st := TextStats{Name: tc.Name}
		if c, err := train.Column(tc.Name); err == nil {
			st.Train = tc.Vocabulary.Stats(c.Raw)
		}
		if val != nil {
			if c, err := val.Column(tc.Name); err == nil {
				vs := tc.Vocabulary.Stats(c.Raw)
				st.Val = &vs
			}
		}
		out = append(out, st)
	}
	return out
}

// checkTextMemory asks spec.TextMemory whether the token ids of the text
// columns of tables fit: rows × columns × sequence length int32s.
func checkTextMemory(spec Spec, tables []*Table) error {
	if spec.Fit.Text == nil || spec.TextMemory == nil {
		return nil
	}
	rows := 0
	for _, t := range tables {
		rows += t.N()
	}
	need := 4 * int64(rows) * int64(len(spec.Fit.Text.Columns)) * int64(spec.Fit.Text.SequenceLength)
	return spec.TextMemory(rows, need)
}

// readRaw keeps the cells of the columns named raw as written, in
// Column.Raw, for the rows of the chunks res.
func (t *Table) readRaw(res []*chunk, raw []string, delim byte) {
	var cols []int
	for j, c := range t.Columns {
		if slices.Contains(raw, c.Name) {
			cols = append(cols, j)
		}
	}
	if len(cols) == 0 {
		return
	}
	parts := make([][][]string, len(res))
	parallel(len(res), func(i int) { parts[i] = res[i].rawCells(len(t.Columns), cols, delim) })
	for k, j := range cols {
		c := t.Columns[j]
		c.Raw = make([]string, 0, t.N())
		for _, p := range parts {
			c.Raw = append(c.Raw, p[k]...)
		}
	}
}

// rawCells returns, for each of the columns cols (ascending), the cells of
// the chunk's good rows as written (quotes undone, spaces kept).
func (c *chunk) rawCells(ncol int, cols []int, delim byte) [][]string {
	s := &scanner{buf: c.buf, delim: delim}
	out := make([][]string, len(cols))
	row := make([]string, len(cols))
	for s.pos < len(s.buf) {
		if s.atBlank() {
			continue
		}
		k, col := 0, 0
		for end := false; !end; col++ {
			var f []byte
			f, end = s.field()
			if k < len(cols) && cols[k] == col {
				row[k] = string(f)
				k++
			}
		}
		if s.err != nil || col != ncol {
			s.err = nil
			continue // reported by numbers
		}
		for k := range cols {
			out[k] = append(out[k], row[k])
		}
	}
	return out
}
