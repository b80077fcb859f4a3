// Package confusion is a classifier's confusion matrix and the per-class
// metrics read from it: precision, recall, F1 and support, with their macro
// and weighted averages (scikit-learn's classification_report; a class
// with no predictions, or no examples, has precision, recall or F1 0).
package confusion

import (
	"encoding/json"
	"fmt"
)

// Matrix counts examples by true class (row) and predicted class (column).
type Matrix [][]int64

// New returns a zero matrix for n classes.
func New(n int) Matrix {
	m := make(Matrix, n)
	for i := range m {
		m[i] = make([]int64, n)
	}
	return m
}

// Add counts the examples with true labels truth and predictions pred.
func (m Matrix) Add(truth, pred []int32) {
	for i, t := range truth {
		m[t][pred[i]]++
	}
}

// Total is the number of examples counted.
func (m Matrix) Total() int64 {
	var n int64
	for _, row := range m {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// Class holds one class's metrics.
type Class struct {
	Precision, Recall, F1 float64
	Support               int64 // examples of the class
}

// Classes returns each class's metrics.
func (m Matrix) Classes() []Class {
	out := make([]Class, len(m))
	for c := range m {
		var tp, predicted, actual int64
		tp = m[c][c]
		for k := range m {
			predicted += m[k][c]
			actual += m[c][k]
		}
		out[c].Support = actual
		out[c].Precision = ratio(tp, predicted)
		out[c].Recall = ratio(tp, actual)
		if p, r := out[c].Precision, out[c].Recall; p+r > 0 {
			out[c].F1 = 2 * p * r / (p + r)
		}
	}
	return out
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Averages returns the macro (unweighted mean over classes) and weighted
// (by support) averages of the per-class metrics.
func (m Matrix) Averages() (macro, weighted Class) {
	cs := m.Classes()
	total := m.Total()
	for _, c := range cs {
		n := float64(len(cs))
		macro.Precision += c.Precision / n
		macro.Recall += c.Recall / n
		macro.F1 += c.F1 / n
		if total > 0 {
			w := float64(c.Support) / float64(total)
			weighted.Precision += w * c.Precision
			weighted.Recall += w * c.Recall
			weighted.F1 += w * c.F1
		}
	}
	macro.Support, weighted.Support = total, total
	return macro, weighted
}

// F1Macro is the macro-averaged F1.
func (m Matrix) F1Macro() float64 {
	macro, _ := m.Averages()
	return macro.F1
}

// Stored is the JSON of runs.confusion: the matrix of the run's best epoch.
type Stored struct {
	Epoch  int    `json:"epoch"`
	Matrix Matrix `json:"matrix"`
}

// Encode returns the JSON of s.
func (s Stored) Encode() string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // ints only
	}
	return string(b)
}

// Decode reads runs.confusion; "" is none (nil).
func Decode(s string) (*Stored, error) {
	if s == "" {
		return nil, nil
	}
	var st Stored
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		return nil, fmt.Errorf("confusion matrix: %w", err)
	}
	for _, row := range st.Matrix {
		if len(row) != len(st.Matrix) {
			return nil, fmt.Errorf("confusion matrix: %d×%d is not square", len(st.Matrix), len(row))
		}
	}
	return &st, nil
}
