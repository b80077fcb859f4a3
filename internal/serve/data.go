package serve

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/report"
)

// SweepSummary is one sweep as / and /api/sweeps show it.
type SweepSummary struct {
	ID        int64          `json:"id"`
	Name      string         `json:"name"`
	File      string         `json:"file"`
	CreatedAt time.Time      `json:"created_at"`
	Trials    int            `json:"trials"`
	Counts    map[string]int `json:"counts"` // trials by status
	Metric    string         `json:"metric"`
	Best      *Best          `json:"best"` // nil: no trial has a value yet
	Done      int            `json:"epochs_done"`
	Left      int            `json:"epochs_left"`
	// ETASeconds is the estimated time left at the sweep's rate (0:
	// unknown or nothing left).
	ETASeconds float64 `json:"eta_seconds"`
}

// Best is the best trial so far.
type Best struct {
	RunID int64   `json:"run_id"`
	Trial int     `json:"trial"`
	Value float64 `json:"value"`
	Text  string  `json:"text"` // as the table shows it: 98.06%
	Epoch int     `json:"epoch"`
}

// summarize reduces a sweep's status.
func summarize(st *report.Status) SweepSummary {
	sw := st.Sweep
	s := SweepSummary{ID: sw.ID, Name: sw.Name, File: sw.File, CreatedAt: sw.CreatedAt, Trials: len(st.Trials),
		Counts: map[string]int{}, Metric: string(st.Metric), Done: st.Done, Left: st.Left, ETASeconds: st.ETA().Seconds()}
	for k, n := range st.Counts() {
		s.Counts[string(k)] = n
	}
	if b := st.Best; b != nil {
		s.Best = &Best{RunID: b.Run.ID, Trial: b.Run.Trial, Value: *b.Best, Text: report.FormatMetric(st.Metric, b.Best), Epoch: b.BestEpoch}
	}
	return s
}

// Table is a comparison table as exp table prints it, each cell with its
// text, its typed value (null for none) and, for run ids, a link.
type Table struct {
	Columns []string `json:"columns"`
	Rows    [][]Cell `json:"rows"`
	Best    int      `json:"best"` // the best row's index, -1 for none
}

// Cell is a table cell.
type Cell struct {
	Text  string `json:"text"`
	Value any    `json:"value"`
	Href  string `json:"href,omitempty"`
}

// newTable converts a report table, linking the run ids of the id and
// best run columns.
func newTable(t *report.Table) Table {
	out := Table{Columns: t.Columns, Rows: [][]Cell{}, Best: t.Best}
	for _, r := range t.Rows {
		cells := make([]Cell, len(r))
		for j, c := range r {
			cells[j] = Cell{Text: c.Text, Value: jsonValue(c.Value)}
			if id, ok := c.Value.(int64); ok && (t.Columns[j] == "id" || t.Columns[j] == "best run") {
				cells[j].Href = fmt.Sprintf("/runs/%d", id)
			}
		}
		out.Rows = append(out.Rows, cells)
	}
	return out
}

// jsonValue is v with NaN and infinities as nil (JSON has no such numbers).
func jsonValue(v any) any {
	if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return nil
	}
	return v
}

// SweepsPage is / and /api/sweeps: every sweep, newest first.
type SweepsPage struct {
	Version string         `json:"version"`
	Sweeps  []SweepSummary `json:"sweeps"`
	Display
}

// SweepPage is /sweeps/ID and /api/sweeps/ID.
type SweepPage struct {
	Version string       `json:"version"`
	Sweep   SweepSummary `json:"sweep"`
	// View is the table's options: metric, group-by, sort.
	View View `json:"view"`
	// Trials are the sweep's trials in plan order.
	Trials []Trial `json:"trials"`
	// SearchCharts are the titles of the sweep's search charts (importance,
	// parallel coordinates, one slice plot per axis), served as
	// /sweeps/ID/search/N.svg in this order; empty without axes.
	SearchCharts []string `json:"search_charts"`
	Display
}

// View holds a sweep page's options, as given in its URL.
type View struct {
	Metric  string   `json:"metric"`
	GroupBy []string `json:"group_by"`
	Sort    string   `json:"sort"`
}

// Trial is one trial of a sweep.
type Trial struct {
	RunID      int64          `json:"run_id"`
	Trial      int            `json:"trial"`
	Status     string         `json:"status"`
	EpochsDone int            `json:"epochs_done"`
	Epochs     int            `json:"epochs"`
	Params     map[string]any `json:"params"`
	Best       *float64       `json:"best"`
	BestEpoch  int            `json:"best_epoch"`
}

// RunPage is /runs/ID and /api/runs/ID.
type RunPage struct {
	Version string `json:"version"`
	Run     Run    `json:"run"`
	// Metric is the metric the best epoch is chosen by.
	Metric    string   `json:"metric"`
	Best      *float64 `json:"best"`
	BestEpoch int      `json:"best_epoch"`
	// CheckpointEpoch is the epoch whose checkpoint a sweep trial keeps:
	// its last recorded one (0: none).
	CheckpointEpoch int     `json:"checkpoint_epoch"`
	Epochs          []Epoch `json:"epochs"`
	// Confusion says the run has a stored confusion matrix of its best
	// epoch, served as /runs/ID/confusion.svg.
	Confusion bool `json:"confusion"`
	Display
}

// Display is what a page's script shows: a table and named texts.
type Display struct {
	// Table is the page's main table as displayed.
	Table Table `json:"table"`
	// Fields are texts shown in elements with a matching data-field.
	Fields map[string]string `json:"fields"`
}

// Run is a run's record.
type Run struct {
	ID         int64              `json:"id"`
	Name       string             `json:"name"`
	Model      string             `json:"model"`
	Status     string             `json:"status"`
	StopReason string             `json:"stop_reason"`
	SweepID    int64              `json:"sweep_id"`
	Trial      int                `json:"trial"`
	Params     map[string]any     `json:"params"`
	Attempts   int                `json:"attempts"`
	StartedAt  time.Time          `json:"started_at"`
	FinishedAt *time.Time         `json:"finished_at"`
	Error      string             `json:"error"`
	Backend    string             `json:"backend"`
	ConfigHash string             `json:"config_hash"`
	Config     string             `json:"config_yaml"`
	Epochs     int                `json:"epochs"` // planned
	Summary    map[string]float64 `json:"summary"`
}

// Epoch is one recorded epoch: its metrics (null where unknown) and
// timings.
type Epoch struct {
	Epoch             int       `json:"epoch"`
	Loss              *float64  `json:"loss"`
	Accuracy          *float64  `json:"accuracy"`
	ValLoss           *float64  `json:"val_loss"`
	ValAccuracy       *float64  `json:"val_accuracy"`
	Seconds           float64   `json:"seconds"`
	MsPerStep         float64   `json:"ms_per_step"`
	ExamplesPerSecond float64   `json:"examples_per_second"`
	FinishedAt        time.Time `json:"finished_at"`
}

// loadSweeps reads every sweep's summary, newest first.
func loadSweeps(ctx context.Context, store Reader, now time.Time) ([]SweepSummary, error) {
	sweeps, err := store.Sweeps(ctx)
	if err != nil {
		return nil, err
	}
	out := []SweepSummary{}
	for _, sw := range slices.Backward(sweeps) {
		st, err := report.SweepStatus(ctx, store, sw, now)
		if err != nil {
			return nil, err
		}
		out = append(out, summarize(st))
	}
	return out, nil
}

// loadSweep reads sweep id's page for view v (whose paths and metric are
// checked).
func loadSweep(ctx context.Context, store Reader, id int64, v View, now time.Time) (*SweepPage, error) {
	sw, err := store.Sweep(ctx, id)
	if err != nil {
		return nil, err
	}
	once := &onceStore{Reader: store} // status and table read the epochs once
	st, err := report.SweepStatus(ctx, once, sw, now)
	if err != nil {
		return nil, err
	}
	rows, metric, err := report.Select(ctx, once, report.Filter{Sweep: sw}, report.Metric(v.Metric))
	if err != nil {
		return nil, err
	}
	if err := checkPaths(rows, v.GroupBy); err != nil {
		return nil, err
	}
	v.Metric = string(metric)
	p := &SweepPage{Sweep: summarize(st), View: v, SearchCharts: []string{},
		Display: Display{Table: Table{Columns: []string{}, Rows: [][]Cell{}, Best: -1}}}
	for _, f := range report.SearchFigures(rows, metric) {
		p.SearchCharts = append(p.SearchCharts, f.Title)
	}
	if len(rows) > 0 {
		t := report.RunsTable(rows, report.Varying(rows), metric)
		if v.GroupBy != nil {
			t = report.GroupsTable(report.GroupBy(rows, v.GroupBy, metric), v.GroupBy, metric)
		}
		if v.Sort != "" {
			if err := t.Sort(v.Sort); err != nil {
				return nil, badRequest(fmt.Errorf("sort: %w", err))
			}
		}
		p.Table = newTable(t)
	}
	for _, tr := range st.Trials {
		r := st.Rows[tr.ID]
		p.Trials = append(p.Trials, Trial{RunID: tr.ID, Trial: tr.Trial, Status: string(tr.Status), EpochsDone: len(r.Epochs),
			Epochs: tr.Epochs, Params: tr.Params, Best: finite(r.Best), BestEpoch: r.BestEpoch})
	}
	return p, nil
}

// loadRun reads run id's page.
func loadRun(ctx context.Context, store Reader, id int64) (*RunPage, error) {
	r, err := store.Run(ctx, id)
	if err != nil {
		return nil, err
	}
	eps, err := store.Epochs(ctx, id)
	if err != nil {
		return nil, err
	}
	row := &report.Row{Run: r, Epochs: eps}
	metric := report.DefaultMetric([]*report.Row{row})
	best, bestEpoch := bestOf(eps, metric)
	p := &RunPage{Run: Run{ID: r.ID, Name: r.Name, Model: r.ModelName, Status: string(r.Status), StopReason: r.StopReason,
		SweepID: r.SweepID, Trial: r.Trial, Params: r.Params, Attempts: r.Attempts, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		Error: r.Error, Backend: r.Backend, ConfigHash: r.ConfigHash, Config: r.ConfigYAML, Epochs: r.Epochs, Summary: finiteMap(r.Summary)},
		Metric: string(metric), Best: best, BestEpoch: bestEpoch, Epochs: []Epoch{}}
	if r.SweepID != 0 && len(eps) > 0 {
		p.CheckpointEpoch = eps[len(eps)-1].Epoch
	}
	conf, err := store.Confusion(ctx, id)
	if err != nil {
		return nil, err
	}
	p.Confusion = conf != ""
	for _, e := range eps {
		p.Epochs = append(p.Epochs, Epoch{Epoch: e.Epoch, Loss: finite(e.Loss), Accuracy: finite(e.Accuracy), ValLoss: finite(e.ValLoss),
			ValAccuracy: finite(e.ValAccuracy), Seconds: e.Seconds, MsPerStep: e.MsPerStep, ExamplesPerSecond: e.ExamplesPerSecond, FinishedAt: e.FinishedAt})
	}
	return p, nil
}

// bestOf returns the best value of metric over eps and its epoch.
func bestOf(eps []*record.Epoch, metric report.Metric) (*float64, int) {
	var best *float64
	epoch := 0
	for _, e := range eps {
		if v := finite(metric.Of(e)); v != nil && (best == nil || metric.Better(*v, *best)) {
			best, epoch = v, e.Epoch
		}
	}
	return best, epoch
}

// finite returns p, or nil for nil, NaN or an infinity.
func finite(p *float64) *float64 {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	return p
}

// finiteMap drops the values JSON cannot hold.
func finiteMap(m map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if finite(&v) != nil {
			out[k] = v
		}
	}
	return out
}

// epochCells formats an epoch as the run page's table row: each metric,
// then the timings.
func epochCells(e Epoch) []string {
	cells := []string{fmt.Sprint(e.Epoch)}
	for _, v := range []*float64{e.Loss, e.Accuracy, e.ValLoss, e.ValAccuracy} {
		cells = append(cells, fmtOpt(v))
	}
	return append(cells, fmt.Sprintf("%.1f", e.Seconds), fmt.Sprintf("%.2f", e.MsPerStep), fmt.Sprintf("%.0f", e.ExamplesPerSecond))
}

// epochColumns are the run page's table columns.
var epochColumns = []string{"epoch", record.Loss, record.Accuracy, record.ValLoss, record.ValAccuracy, "seconds", "ms/step", "examples/s"}

func fmtOpt(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.4f", *v)
}

// onceStore reads AllEpochs once and answers later calls from that read:
// a page's status and table then see the same epochs, read once.
type onceStore struct {
	report.Reader
	epochs map[int64][]*record.Epoch
}

// AllEpochs returns the first read's epochs.
func (s *onceStore) AllEpochs(ctx context.Context) (map[int64][]*record.Epoch, error) {
	if s.epochs != nil {
		return s.epochs, nil
	}
	e, err := s.Reader.AllEpochs(ctx)
	if err == nil {
		s.epochs = e
	}
	return e, err
}
