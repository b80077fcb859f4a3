package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/exp-runner/exp/predict"
)

// TestServe posts rows to the server and checks its predictions against
// the package's, and that a bad row is a 400 naming the problem.
func TestServe(t *testing.T) {
	m, err := predict.Load("../../predict/testdata/species")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler(m))
	defer srv.Close()
	body := `{"columns":["x2","color","x1"],"rows":[["0.9","red","1.5"],["-1.4","blue","1.2"]]}`
	resp, err := http.Post(srv.URL+"/predict", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []predict.Prediction
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, decode error %v", resp.StatusCode, err)
	}
	want, err := m.Predict(t.Context(), predict.Rows([]string{"x1", "color", "x2"}, [][]string{{"1.5", "red", "0.9"}, {"1.2", "blue", "-1.4"}}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Label != want[0].Label || got[1].Label != want[1].Label || got[0].Probability != want[0].Probability {
		t.Errorf("served %+v, want %+v", got, want)
	}
	resp2, err := http.Post(srv.URL+"/predict", "application/json", strings.NewReader(`{"columns":["x1","color"],"rows":[["1","red"]]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	msg := new(bytes.Buffer)
	_, _ = msg.ReadFrom(resp2.Body)
	if resp2.StatusCode != http.StatusBadRequest || !strings.Contains(msg.String(), "x2") {
		t.Errorf("a row without x2: status %d, %q; want 400 naming x2", resp2.StatusCode, msg)
	}
}
