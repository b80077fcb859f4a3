package infertest

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// ticketTopics are the words that mark each class of TextCSV's tickets.
var ticketTopics = map[string][]string{
	"account":  {"password", "login", "account", "email", "username", "reset", "locked", "permission"},
	"hardware": {"printer", "keyboard", "monitor", "screen", "mouse", "laptop", "battery", "cable"},
	"network":  {"wifi", "router", "vpn", "internet", "connection", "dns", "proxy", "firewall"},
}

// ticketFiller are words of every class.
var ticketFiller = strings.Fields("the my is not working since today please help again cannot with on a it after " +
	"update office urgent still broken slow since morning we our team users all of this that need fix asap")

// ticketClasses are TextCSV's classes, sorted.
var ticketClasses = []string{"account", "hardware", "network"}

// ticket returns a text of n words of class c: k words of its topic at
// random places among filler words, sometimes capitalised or followed by
// punctuation (which the words tokenizer drops).
func ticket(r *rand.Rand, c string, n, k int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = ticketFiller[r.IntN(len(ticketFiller))]
	}
	for range k {
		words[r.IntN(n)] = ticketTopics[c][r.IntN(len(ticketTopics[c]))]
	}
	if r.IntN(4) == 0 {
		words[0] = strings.ToUpper(words[0][:1]) + words[0][1:]
	}
	if r.IntN(3) == 0 {
		words[n-1] += "!"
	}
	return strings.Join(words, " ")
}

// TextCSV writes a small three-class problem of support tickets into dir:
// tickets.csv (1,200 rows) and tickets-val.csv (300 rows), columns id,
// title (2 to 4 words, half of them naming the topic), body (5 to 20 words,
// one to three of them the topic's), priority (1 to 3, unrelated to the
// class) and label (account, hardware or network). One ticket in ten has a
// word of another topic in its body. The validation rows include an empty
// body and the title NA. It returns the paths of the two files.
func TextCSV(t testing.TB, dir string) (train, val string) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	var paths []string
	for _, f := range []struct {
		name string
		n    int
	}{{"tickets.csv", 1200}, {"tickets-val.csv", 300}} {
		var b strings.Builder
		b.WriteString("id,title,body,priority,label\n")
		for i := range f.n {
			c := ticketClasses[r.IntN(3)]
			title := ticket(r, c, 2+r.IntN(3), r.IntN(2))
			body := ticket(r, c, 5+r.IntN(16), 1+r.IntN(3))
			if r.IntN(10) == 0 {
				body += " " + ticketTopics[ticketClasses[r.IntN(3)]][r.IntN(8)]
			}
			if f.name == "tickets-val.csv" && i == 3 {
				body = ""
			}
			if f.name == "tickets-val.csv" && i == 4 {
				title = "NA"
			}
			fmt.Fprintf(&b, "%d,%s,%q,%d,%s\n", i, title, body, 1+r.IntN(3), c)
		}
		paths = append(paths, WriteCSV(t, dir, f.name, b.String()))
	}
	return paths[0], paths[1]
}

// TextConfig writes a config named name into dir that trains layers on
// TextCSV's files with the given data.text section (YAML flow mapping) and
// features (YAML flow list), and returns its path.
func TextConfig(t testing.TB, dir, name, text, features, epochs string, layers ...string) string {
	t.Helper()
	train, val := filepath.Join(dir, "tickets.csv"), filepath.Join(dir, "tickets-val.csv")
	src := fmt.Sprintf("name: %s\ndata: {dataset: csv, path: %s, val_path: %s, target: label, features: %s, text: %s}\nmodel:\n  layers:\n",
		name, train, val, features, text)
	for _, l := range layers {
		src += "    - " + l + "\n"
	}
	src += fmt.Sprintf("train: {epochs: %s, batch_size: 32, learning_rate: 0.005, eval_batch_size: 128}\n", epochs)
	return WriteCSV(t, dir, name+".yaml", src)
}
