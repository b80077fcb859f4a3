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

	"github.com/exp-runner/exp/internal/resultdb"
)

// TestServeRefuses: exp serve exits 2 for an address beyond loopback
// without a token, a missing database and one that needs migrating; for an
// invalid address (it said "needs --token") and a token shorter than 16
// characters, from --token or $EXP_SERVE_TOKEN, before it opens the
// database or listens.
func TestServeRefuses(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	s, err := resultdb.Open(context.Background(), db)
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
	missing := filepath.Join(dir, "missing.db")
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
		{[]string{"serve", "--db", db, "--addr", "garbage"}, nil, `--addr: invalid address "garbage": missing port in address`},
		{[]string{"serve", "--db", db, "--addr", "127.0.0.1:http-alt"}, nil, "invalid address"},
		{[]string{"serve", "--db", db, "--addr", "127.0.0.1:70000"}, nil, "not a number from 0 to 65535"},
		{[]string{"serve", "--db", missing, "--addr", "0.0.0.0:0", "--token", "x"}, nil, "--token: the token has 1 characters; it needs at least 16"},
		{[]string{"serve", "--db", missing, "--token", "fifteen-chars!!"}, nil, "at least 16"},
		{[]string{"serve", "--db", missing, "--addr", "0.0.0.0:0"}, map[string]string{"EXP_SERVE_TOKEN": "s3cret"}, "$EXP_SERVE_TOKEN: the token has 6 characters"},
		{[]string{"serve", "--db", missing, "--token", "sixteen chars ok"}, nil, "blank"},
	} {
		code, _, stderr := run(t, tc.env, tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("exp %s: exit %d, %q; want 2 and %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
}

// startServe runs exp serve on db and addr with env until the returned
// stop is called (as Ctrl-C would), and returns the URL it printed.
func startServe(t *testing.T, db, addr string, env map[string]string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	m := &Main{Stdout: pw, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
	code := make(chan int, 1)
	go func() {
		code <- m.Run(ctx, []string{"serve", "--db", db, "--addr", addr})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	go io.Copy(io.Discard, pr) // the rest of the output
	if err != nil {
		cancel()
		t.Fatalf("%s: no URL printed: %v (exit %d)", addr, err, <-code)
	}
	url := strings.Fields(strings.TrimPrefix(line, "exp serve: "))[0]
	return strings.Replace(url, "0.0.0.0", "127.0.0.1", 1), func() int { cancel(); return <-code }
}

// TestServeRuns: exp serve prints its URL, answers there, and stops when
// its context ends (as on Ctrl-C); with $EXP_SERVE_TOKEN it may listen
// beyond loopback and asks for the token.
func TestServeRuns(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	s, err := resultdb.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, tc := range []struct {
		addr, token string
		want        int
	}{
		{"127.0.0.1:0", "", http.StatusOK},
		{"0.0.0.0:0", "a-token-of-16-ch", http.StatusUnauthorized},
	} {
		url, stop := startServe(t, db, tc.addr, map[string]string{"EXP_SERVE_TOKEN": tc.token})
		client := &http.Client{Timeout: 10 * time.Second}
		res, err := client.Get(url + "api/sweeps")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Errorf("%s: GET %s: %d, want %d", tc.addr, url, res.StatusCode, tc.want)
		}
		if c := stop(); c != ExitOK {
			t.Errorf("%s: exit %d after cancel, want 0", tc.addr, c)
		}
	}
}

// TestServePostgres: exp serve over a PostgreSQL database lists its sweeps
// and refuses writes.
func TestServePostgres(t *testing.T) {
	dsn := postgresTestDB(t)
	ctx := context.Background()
	s, err := resultdb.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.OpenSweep(ctx, "pg-sweep", "/work/pg.yaml", "h", "", false)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	url, stop := startServe(t, dsn, "127.0.0.1:0", nil)
	defer stop()
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Get(url + "api/sweeps")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `"name":"pg-sweep"`) {
		t.Errorf("GET /api/sweeps: %d %s", res.StatusCode, b)
	}
	res, err = client.Post(url+"api/sweeps", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", res.StatusCode)
	}
}
