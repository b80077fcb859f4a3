package text_test

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/exp-runner/exp/internal/text"
)

// A column's vocabulary is fitted on the training texts, encodes any text
// to SequenceLength ids, and is stored as JSON to encode new text the same
// way later.
func Example() {
	o := text.DefaultOptions()
	o.SequenceLength = 6
	train := []string{"The printer is out of paper.", "Paper jam in the printer!", "Login fails"}
	v, err := text.Fit(train, o)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Size(), v.Tokens()[:3])
	fmt.Println(v.Encode(nil, "PRINTER: paper everywhere, help"))

	stored, _ := json.Marshal(v)
	back, err := text.ReadVocabulary(bytes.NewReader(stored))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.Encode(nil, "printer printer printer printer printer printer printer"))

	st := v.Stats([]string{"", "a paper jam", "the printer is out of paper again today"})
	fmt.Printf("oov %.2f p50 %d max %d cut %d empty %d\n", st.OOVShare(), st.LengthP50, st.LengthMax, st.Cut, st.Empty)
	// Output:
	// 12 [paper printer the]
	// [3 2 1 1 0 0]
	// [3 3 3 3 3 3]
	// oov 0.27 p50 3 max 8 cut 1 empty 1
}
