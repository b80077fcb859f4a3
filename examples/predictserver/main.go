// Command predictserver serves an exported exp model over HTTP: POST
// /predict with a JSON body {"columns": [...], "rows": [[...], ...]} (CSV
// rows as text, columns by name) answers one prediction per row.
//
//	exp export-model 3 -o model
//	go run ./examples/predictserver -model model            # listens on 127.0.0.1:8080
//	curl -d '{"columns":["x1","color","x2"],"rows":[["1.5","red","0.9"]]}' localhost:8080/predict
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"sync"

	"github.com/exp-runner/exp/predict"
)

func main() {
	dir := flag.String("model", "model", "the model folder (exp export-model RUN -o DIR)")
	addr := flag.String("addr", "127.0.0.1:8080", "where to listen (loopback by default)")
	flag.Parse()
	m, err := predict.Load(*dir)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("serving %s on http://%s/predict", *dir, *addr)
	log.Fatal(http.ListenAndServe(*addr, handler(m)))
}

// request is the body of POST /predict.
type request struct {
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// handler serves POST /predict with m, one request at a time.
func handler(m *predict.Model) http.Handler {
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.HandleFunc("POST /predict", func(w http.ResponseWriter, r *http.Request) {
		var req request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		preds, err := m.Predict(r.Context(), predict.Rows(req.Columns, req.Rows))
		mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(preds)
	})
	return mux
}
