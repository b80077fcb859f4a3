package record

import (
	"fmt"
	"sort"
	"strings"
)

// FormatValue formats a trial's parameter value (an axis value) as exp
// shows it everywhere: floats compactly (0.0001 as 1e-04, 0.5 as 0.5),
// nil as —, other values as fmt does.
func FormatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return formatFloat(x)
	case float32:
		return formatFloat(float64(x))
	case nil:
		return "—"
	}
	return fmt.Sprint(v)
}

func formatFloat(f float64) string {
	if f != 0 && (f < 1e-3 || f >= 1e5) {
		return fmt.Sprintf("%.0e", f)
	}
	return fmt.Sprintf("%g", f)
}

// FormatParams formats a run's stored parameters (Run.Params), sorted by
// key: "train.learning_rate=0.001 variant=cnn".
func FormatParams(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%s", k, FormatValue(p[k])))
	}
	return strings.Join(parts, " ")
}
