package report

import (
	"fmt"
	"strings"
	"time"
)

// Duration formats seconds as 42s, 3m05s or 2h07m.
func Duration(secs float64) string {
	d := time.Duration(secs * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// Sparkline draws values as a line of block characters, ▁ for the lowest
// and █ for the highest; longer series are averaged down to width.
func Sparkline(values []float64, width int) string {
	if len(values) == 0 {
		return ""
	}
	if width > 0 && len(values) > width {
		out := make([]float64, width)
		for i := range out {
			from, to := i*len(values)/width, (i+1)*len(values)/width
			var sum float64
			for _, v := range values[from:to] {
				sum += v
			}
			out[i] = sum / float64(to-from)
		}
		values = out
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	const bars = "▁▂▃▄▅▆▇█"
	runes := []rune(bars)
	var b strings.Builder
	for _, v := range values {
		i := len(runes) - 1
		if hi > lo {
			i = int((v - lo) / (hi - lo) * float64(len(runes)-1))
		}
		b.WriteRune(runes[i])
	}
	return b.String()
}

// FittedLine describes the line run id fitted, from the summary its runner
// stored: "run 3 fitted: w = 2.0012, b = 0.9987", followed, for the linear
// dataset, by the least-squares and generating values (ols_w, ols_b,
// true_w, true_b). It is "" for a summary without w.
func FittedLine(id int64, s map[string]float64) string {
	w, ok := s["w"]
	if !ok {
		return ""
	}
	line := fmt.Sprintf("run %d fitted: w = %.4f, b = %.4f", id, w, s["b"])
	if _, ok := s["ols_w"]; ok {
		line += fmt.Sprintf(" (least squares: w = %.4f, b = %.4f; generating: w = %g, b = %g)", s["ols_w"], s["ols_b"], s["true_w"], s["true_b"])
	}
	return line
}
