package plan

import (
	"fmt"
	"strings"

	"github.com/exp-runner/exp/internal/record"
)

// FormatParams formats the trial's axis values in plan order, as exp's
// messages name a trial: "variant=cnn train.learning_rate=0.001" ("" for
// a trial without any).
func (t *Trial) FormatParams() string {
	var parts []string
	for _, kv := range t.Params {
		parts = append(parts, fmt.Sprintf("%s=%s", kv.Path, record.FormatValue(kv.Value)))
	}
	return strings.Join(parts, " ")
}
