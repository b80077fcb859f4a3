package search

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// planTrials reads the axis values of the trials in one of plan's golden
// files ("N: path=value path=value | …").
func planTrials(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "plan", "testdata", name))
	if err != nil {
		t.Fatalf("plan's golden file: %v", err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		idx, rest, ok := strings.Cut(sc.Text(), ": ")
		if _, err := strconv.Atoi(idx); !ok || err != nil {
			continue
		}
		params, _, _ := strings.Cut(rest, " | ")
		var vals []string
		for _, kv := range strings.Fields(params) {
			_, v, _ := strings.Cut(kv, "=")
			vals = append(vals, v)
		}
		out = append(out, vals)
	}
	return out
}

// TestRandomStartupMatchesPlan checks RandomStartup against the trials
// plan's random search draws for its test files (testdata/random.yaml and
// random_discrete.yaml there), as recorded in plan's golden files.
func TestRandomStartupMatchesPlan(t *testing.T) {
	tests := []struct {
		golden string
		seed   int64
		space  Space
		labels [][]string // choice labels of categorical parameters
	}{
		{"random.golden", 7, Space{
			{Name: "train.learning_rate", Kind: LogUniform, Lo: 1e-5, Hi: 1e-2},
			{Name: "model.layers[1].units", Kind: Int, Lo: 16, Hi: 128},
			{Name: "model.layers[1].activation", Kind: Categorical, Choices: 3},
			{Name: "train.batch_size", Kind: Categorical, Choices: 3},
		}, [][]string{nil, nil, {"relu", "tanh", "gelu"}, {"32", "64", "128"}}},
		{"random_discrete.golden", 1, Space{
			{Name: "train.batch_size", Kind: Categorical, Choices: 3},
			{Name: "train.seed", Kind: Int, Lo: 1, Hi: 2},
		}, [][]string{{"32", "64", "128"}, nil}},
	}
	for _, tc := range tests {
		want := planTrials(t, tc.golden)
		if len(want) == 0 {
			t.Fatalf("%s: no trials", tc.golden)
		}
		draw := RandomStartup(tc.space, tc.seed)
		for k, w := range want {
			x, err := draw(k)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, p := range tc.space {
				switch p.Kind {
				case Categorical:
					got = append(got, tc.labels[i][int(x[i])])
				case Int:
					got = append(got, strconv.Itoa(int(x[i])))
				default:
					got = append(got, strconv.FormatFloat(x[i], 'g', 6, 64))
				}
			}
			if strings.Join(got, " ") != strings.Join(w, " ") {
				t.Errorf("%s trial %d: RandomStartup draws %v, plan %v", tc.golden, k+1, got, w)
			}
		}
	}
}
