package cli

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/results"
)

// TestServeRefuses: exp serve exits 2 for an address beyond loopback
// without a token, a missing database and one that needs migrating.
func TestServeRefuses(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	s, err := results.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	old := filepath.Join(dir, "old.db")
	raw, err := sql.Open("sqlite3", old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE runs (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"serve", "--db", db, "--addr", "0.0.0.0:0"}, nil, "needs --token"},
		{[]string{"serve", "--db", db, "--addr", ":8080"}, nil, "needs --token"},
		{[]string{"serve", "--db", filepath.Join(dir, "missing.db"), "--addr", "127.0.0.1:0"}, nil, "no results database"},
		{[]string{"serve", "--db", old, "--addr", "127.0.0.1:0"}, nil, "run any other exp command on it first"},
		{[]string{"serve", "--db", db, "extra"}, nil, "unexpected argument"},
	} {
		code, _, stderr := run(t, tc.env, tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("exp %s: exit %d, %q; want 2 and %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
}

// TestServeRuns: exp serve prints its URL, answers there, and stops when
// its context ends (as on Ctrl-C); with $EXP_SERVE_TOKEN it may listen
// beyond loopback and asks for the token.
func TestServeRuns(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	s, err := results.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, tc := range []struct {
		addr, token string
		want        int
	}{
		{"127.0.0.1:0", "", http.StatusOK},
		{"0.0.0.0:0", "tok", http.StatusUnauthorized},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		m := &Main{Stdout: pw, Stderr: io.Discard, Getenv: func(k string) string {
			return map[string]string{"EXP_SERVE_TOKEN": tc.token}[k]
		}}
		code := make(chan int, 1)
		go func() {
			code <- m.Run(ctx, []string{"serve", "--db", db, "--addr", tc.addr})
			pw.Close()
		}()
		line, err := bufio.NewReader(pr).ReadString('\n')
		go io.Copy(io.Discard, pr) // the rest of the output
		if err != nil {
			t.Fatalf("%s: no URL printed: %v", tc.addr, err)
		}
		url := strings.Fields(strings.TrimPrefix(line, "exp serve: "))[0]
		url = strings.Replace(url, "0.0.0.0", "127.0.0.1", 1)
		client := &http.Client{Timeout: 10 * time.Second}
		res, err := client.Get(url + "api/sweeps")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Errorf("%s: GET %s: %d, want %d", tc.addr, url, res.StatusCode, tc.want)
		}
		cancel()
		if c := <-code; c != ExitOK {
			t.Errorf("%s: exit %d after cancel, want 0", tc.addr, c)
		}
	}
}
