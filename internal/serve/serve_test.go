package serve

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// body reads a response's body.
func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPages: every page and API answer is 200 with its type and the
// security headers; pages load only their own script, never inline.
func TestPages(t *testing.T) {
	fx := newFixture(t)
	h := Handler(fx.open(t), Options{Loopback: true})
	sw, run := fx.sweep.ID, fx.runs[0].ID
	for _, tc := range []struct{ path, ctype string }{
		{"/", "text/html; charset=utf-8"},
		{fmt.Sprintf("/sweeps/%d", sw), "text/html; charset=utf-8"},
		{fmt.Sprintf("/sweeps/%d?group-by=train.learning_rate&sort=-n", sw), "text/html; charset=utf-8"},
		{fmt.Sprintf("/runs/%d", run), "text/html; charset=utf-8"},
		{"/api/sweeps", "application/json"},
		{fmt.Sprintf("/api/sweeps/%d?metric=val_loss", sw), "application/json"},
		{fmt.Sprintf("/api/runs/%d", run), "application/json"},
		{fmt.Sprintf("/sweeps/%d/curves.svg", sw), "image/svg+xml"},
		{fmt.Sprintf("/runs/%d/curves.svg", run), "image/svg+xml"},
		{"/static/app.js", "text/javascript; charset=utf-8"},
		{"/static/style.css", "text/css; charset=utf-8"},
	} {
		res := get(h, "GET", tc.path, nil)
		b := body(t, res)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != tc.ctype {
			t.Errorf("GET %s: %d %q, want 200 %q\n%s", tc.path, res.StatusCode, res.Header.Get("Content-Type"), tc.ctype, b)
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") && !strings.HasSuffix(tc.path, ".svg") {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", tc.path)
		}
		if strings.HasPrefix(tc.ctype, "text/html") {
			for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(b, -1) {
				if m != `<script src="/static/app.js" defer>` {
					t.Errorf("GET %s: script element %s", tc.path, m)
				}
			}
		}
		if res = get(h, "HEAD", tc.path, nil); res.StatusCode != 200 || body(t, res) != "" {
			t.Errorf("HEAD %s: %d", tc.path, res.StatusCode)
		}
	}
}

// TestHostileNames: names from the database reach pages escaped, JSON with
// < > & escaped, and the sweep page's table holds the runs.
func TestHostileNames(t *testing.T) {
	fx := newFixture(t)
	h := Handler(fx.open(t), Options{})
	for _, path := range []string{"/", fmt.Sprintf("/sweeps/%d", fx.sweep.ID), fmt.Sprintf("/sweeps/%d?group-by=name", fx.sweep.ID),
		fmt.Sprintf("/runs/%d", fx.runs[0].ID), "/api/sweeps", fmt.Sprintf("/api/runs/%d", fx.runs[0].ID)} {
		b := body(t, get(h, "GET", path, nil))
		if strings.Contains(strings.ToLower(b), "<script>alert") {
			t.Errorf("%s: an unescaped hostile name:\n%s", path, b)
		}
		if !strings.Contains(b, html.EscapeString(hostile("sweep"))) && !strings.Contains(b, html.EscapeString(hostile("run"))) &&
			!strings.Contains(b, `\u003cscript\u003ealert(\"`) {
			t.Errorf("%s: no escaped name:\n%s", path, b)
		}
	}
}

// TestJSON: the API's shapes, decoded as a script would.
func TestJSON(t *testing.T) {
	fx := newFixture(t)
	h := Handler(fx.open(t), Options{})
	var sweeps struct {
		Version string `json:"version"`
		Sweeps  []struct {
			ID     int64          `json:"id"`
			Name   string         `json:"name"`
			Trials int            `json:"trials"`
			Counts map[string]int `json:"counts"`
			Best   *struct {
				RunID int64   `json:"run_id"`
				Value float64 `json:"value"`
				Epoch int     `json:"epoch"`
			} `json:"best"`
			Left int `json:"epochs_left"`
		} `json:"sweeps"`
	}
	decode(t, h, "/api/sweeps", &sweeps)
	if len(sweeps.Sweeps) != 1 || sweeps.Version == "" {
		t.Fatalf("sweeps: %+v", sweeps)
	}
	s := sweeps.Sweeps[0]
	want := map[string]int{"completed": 1, "running": 1, "pending": 1}
	if s.ID != fx.sweep.ID || s.Name != hostile("sweep") || s.Trials != 3 || fmt.Sprint(s.Counts) != fmt.Sprint(want) ||
		s.Best == nil || s.Best.RunID != fx.runs[0].ID || s.Best.Value != 0.95 || s.Best.Epoch != 3 || s.Left != 3+5 {
		t.Errorf("sweep: %+v (best %+v)", s, s.Best)
	}
	var sweep struct {
		Table struct {
			Columns []string `json:"columns"`
			Rows    [][]struct {
				Text  string `json:"text"`
				Value any    `json:"value"`
				Href  string `json:"href"`
			} `json:"rows"`
			Best int `json:"best"`
		} `json:"table"`
		Trials []struct {
			RunID      int64  `json:"run_id"`
			Status     string `json:"status"`
			EpochsDone int    `json:"epochs_done"`
		} `json:"trials"`
	}
	decode(t, h, fmt.Sprintf("/api/sweeps/%d", fx.sweep.ID), &sweep)
	if got := strings.Join(sweep.Table.Columns, ","); !strings.HasPrefix(got, "id,name,model,train.learning_rate,best val_accuracy") {
		t.Errorf("columns %s", got)
	}
	if len(sweep.Table.Rows) != 3 || sweep.Table.Best != 0 || sweep.Table.Rows[0][0].Href != fmt.Sprintf("/runs/%d", fx.runs[0].ID) ||
		sweep.Table.Rows[0][0].Value != float64(fx.runs[0].ID) {
		t.Errorf("table: %+v", sweep.Table)
	}
	if len(sweep.Trials) != 3 || sweep.Trials[1].Status != "running" || sweep.Trials[1].EpochsDone != 2 {
		t.Errorf("trials: %+v", sweep.Trials)
	}
	var run struct {
		Run struct {
			ID     int64  `json:"id"`
			Name   string `json:"name"`
			Config string `json:"config_yaml"`
		} `json:"run"`
		Metric          string `json:"metric"`
		BestEpoch       int    `json:"best_epoch"`
		CheckpointEpoch int    `json:"checkpoint_epoch"`
		Epochs          []struct {
			Epoch       int      `json:"epoch"`
			ValAccuracy *float64 `json:"val_accuracy"`
		} `json:"epochs"`
	}
	decode(t, h, fmt.Sprintf("/api/runs/%d", fx.runs[1].ID), &run)
	if run.Run.ID != fx.runs[1].ID || run.Run.Name != hostile("run") || !strings.Contains(run.Run.Config, "learning_rate: 0.01") ||
		run.Metric != "val_accuracy" || run.BestEpoch != 2 || run.CheckpointEpoch != 2 || len(run.Epochs) != 2 || *run.Epochs[1].ValAccuracy != 0.75 {
		t.Errorf("run: %+v", run)
	}
}

func decode(t *testing.T, h http.Handler, path string, v any) {
	t.Helper()
	res := get(h, "GET", path, nil)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body(t, res))
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// TestErrors: what cannot be answered: writes (405), unknown or malformed
// ids and paths (404), bad options (400), traversal out of the assets.
func TestErrors(t *testing.T) {
	fx := newFixture(t)
	h := Handler(fx.open(t), Options{})
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		res := get(h, method, fmt.Sprintf("/sweeps/%d", fx.sweep.ID), nil)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d, Allow %q", method, res.StatusCode, res.Header.Get("Allow"))
		}
	}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/sweeps/999", 404},
		{"/api/runs/999", 404},
		{"/sweeps/abc", 404},
		{"/sweeps/0", 404},
		{"/runs/1%20OR%201=1", 404},
		{"/runs/-1", 404},
		{"/nothing", 404},
		{"/static/../serve.go", 404},
		{"/static/%2e%2e/server.go", 404},
		{"/static/missing.js", 404},
		{fmt.Sprintf("/sweeps/%d?metric=bogus", fx.sweep.ID), 400},
		{fmt.Sprintf("/api/sweeps/%d?group-by=a..b", fx.sweep.ID), 400},
		{fmt.Sprintf("/api/sweeps/%d?sort=nosuchcolumn", fx.sweep.ID), 400},
	} {
		res := get(h, "GET", tc.path, nil)
		b := body(t, res)
		if res.StatusCode != tc.status && !(tc.status == 404 && res.StatusCode/100 == 3) {
			t.Errorf("GET %s: %d, want %d\n%s", tc.path, res.StatusCode, tc.status, b)
		}
		if strings.Contains(b, "package serve") {
			t.Errorf("GET %s: served a source file", tc.path)
		}
	}
}

// TestHost: on loopback the Host header must name a loopback address.
func TestHost(t *testing.T) {
	fx := newFixture(t)
	h := Handler(fx.open(t), Options{Loopback: true})
	for host, want := range map[string]int{
		"127.0.0.1:8080": 200, "localhost:8080": 200, "[::1]:8080": 200, "127.0.0.1": 200,
		"evil.example:8080": 403, "evil.example": 403, "127.0.0.1.evil.example": 403,
	} {
		res := get(h, "GET", "/api/sweeps", http.Header{"Host": {host}})
		if res.StatusCode != want {
			t.Errorf("Host %q: %d, want %d", host, res.StatusCode, want)
		}
	}
}

// TestToken: with a token, ?token= sets an HttpOnly SameSite=Strict cookie
// that holds a value derived from the token, not the token, and redirects
// to the same path without it; the cookie and a bearer header, its scheme
// in any case, let in; nothing else does; every answer is Cache-Control:
// no-store.
func TestToken(t *testing.T) {
	fx := newFixture(t)
	const token = "s3cret-token-0123"
	h := Handler(fx.open(t), Options{Token: token})
	session := sessionValue(token)
	for _, tc := range []struct {
		name   string
		target string
		header http.Header
		want   int
	}{
		{"none", "/", nil, 401},
		{"wrong query", "/?token=nope", nil, 401},
		{"wrong bearer", "/api/sweeps", http.Header{"Authorization": {"Bearer nope"}}, 401},
		{"wrong cookie", "/api/sweeps", http.Header{"Cookie": {cookieName + "=nope"}}, 401},
		{"the token as the cookie", "/api/sweeps", http.Header{"Cookie": {cookieName + "=" + token}}, 401},
		{"prefix", "/api/sweeps", http.Header{"Authorization": {"Bearer " + token[:5]}}, 401},
		{"another scheme", "/api/sweeps", http.Header{"Authorization": {"Basic " + token}}, 401},
		{"bearer", "/api/sweeps", http.Header{"Authorization": {"Bearer " + token}}, 200},
		{"bearer in lowercase", "/api/sweeps", http.Header{"Authorization": {"bearer " + token}}, 200},
		{"BEARER", "/api/sweeps", http.Header{"Authorization": {"BEARER  " + token}}, 200},
		{"cookie", "/api/sweeps", http.Header{"Cookie": {cookieName + "=" + session}}, 200},
		{"static", "/static/app.js", http.Header{"Authorization": {"bearer " + token}}, 200},
		{"405 first", "/api/sweeps", nil, 401},
	} {
		res := get(h, "GET", tc.target, tc.header)
		if res.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, res.StatusCode, tc.want)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", tc.name, cc)
		}
	}
	res := get(h, "GET", fmt.Sprintf("/sweeps/%d?sort=id&token=%s", fx.sweep.ID, token), nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != fmt.Sprintf("/sweeps/%d?sort=id", fx.sweep.ID) {
		t.Fatalf("?token=: %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	cookies := res.Cookies()
	if len(cookies) != 1 || cookies[0].Value != session || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode ||
		strings.Contains(cookies[0].Value, token) || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("cookies: %+v, Cache-Control %q", cookies, res.Header.Get("Cache-Control"))
	}
	if res := get(h, "POST", "/api/sweeps", http.Header{"Authorization": {"Bearer " + token}}); res.StatusCode != 405 {
		t.Errorf("POST with the token: %d, want 405", res.StatusCode)
	}
}

// TestTokenRedirect: the redirect after ?token= stays on the server,
// whatever the path: the issue's //evil.example/?token=T redirected to
// //evil.example/, and a Location a browser reads as another host (//host,
// /\host) is an open redirect.
func TestTokenRedirect(t *testing.T) {
	const token = "s3cret-token-0123"
	h := Handler(newFixture(t).open(t), Options{Token: token})
	for target, want := range map[string]string{
		"//evil.example/?token=" + token:            "/evil.example/",
		"///evil.example/?token=" + token:           "/evil.example/",
		`/\evil.example/?token=` + token:            "/%5Cevil.example/",
		"/%5C%5Cevil.example/?token=" + token:       "/%5C%5Cevil.example/",
		"/%09/evil.example/?token=" + token:         "/%09/evil.example/",
		"/%2F%2Fevil.example/?token=" + token:       "/%2F%2Fevil.example/",
		"/?token=" + token + "&next=//evil.example": "/?next=%2F%2Fevil.example",
		"/runs/1?token=" + token:                    "/runs/1",
	} {
		res := get(h, "GET", target, nil)
		loc := res.Header.Get("Location")
		u, err := url.Parse(loc)
		if res.StatusCode != http.StatusSeeOther || loc != want || err != nil || u.Host != "" || u.Scheme != "" ||
			strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) {
			t.Errorf("GET %s: %d, Location %q; want 303 and %q", target, res.StatusCode, loc, want)
		}
	}
}

// TestServeNeedsToken: an address beyond loopback without a token, an
// invalid address and a token shorter than 16 characters are refused
// before listening.
func TestServeNeedsToken(t *testing.T) {
	fx := newFixture(t)
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8080"} {
		if err := Serve(context.Background(), fx.open(t), addr, Options{}, io.Discard); !errors.Is(err, ErrNeedToken) {
			t.Errorf("Serve(%q) without a token: %v, want ErrNeedToken", addr, err)
		}
	}
	for _, tc := range []struct{ addr, token, want string }{
		{"garbage", "", "invalid address"},
		{"127.0.0.1", "", "missing port"},
		{"127.0.0.1:99999", "", "not a number from 0 to 65535"},
		{"0.0.0.0:0", "x", "at least 16"},
		{"127.0.0.1:0", "fifteen-chars!!", "at least 16"},
		{"127.0.0.1:0", "sixteen\nchars-ok", "control character"},
	} {
		err := Serve(context.Background(), fx.open(t), tc.addr, Options{Token: tc.token}, io.Discard)
		if !errors.Is(err, ErrBadOption) || !strings.Contains(fmt.Sprint(err), tc.want) {
			t.Errorf("Serve(%q, token %q): %v, want ErrBadOption and %q", tc.addr, tc.token, err, tc.want)
		}
	}
	if err := CheckToken("sixteen-chars-ok"); err != nil {
		t.Errorf("a 16-character token: %v", err)
	}
	for _, addr := range []string{"127.0.0.1:8080", "localhost:0", "[::1]:0"} {
		if !IsLoopback(addr) {
			t.Errorf("IsLoopback(%q) = false", addr)
		}
	}
}

// TestLive: the API shows a newly committed epoch and a trial's new status
// without a restart (the answer is refreshed per data version; the first
// request after a change may still see the one before).
func TestLive(t *testing.T) {
	fx := newFixture(t)
	h := Handler(fx.open(t), Options{})
	path := fmt.Sprintf("/api/runs/%d", fx.runs[1].ID)
	var before struct {
		Epochs []any `json:"epochs"`
	}
	decode(t, h, path, &before)
	fx.addEpoch(t, fx.runs[1].ID, 3, 0.85)
	if err := fx.w.FinishTrial(context.Background(), fx.runs[1].ID, "t", resultsCompleted); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var now struct {
			Run struct {
				Status string `json:"status"`
			} `json:"run"`
			Epochs []any `json:"epochs"`
		}
		decode(t, h, path, &now)
		if len(now.Epochs) == 3 && now.Run.Status == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %d epochs (before: %d), status %s", len(now.Epochs), len(before.Epochs), now.Run.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRevalidate: an answer carries the data version as its ETag, and a
// request naming it gets 304 with no body.
func TestRevalidate(t *testing.T) {
	fx := newFixture(t)
	h := Handler(fx.open(t), Options{})
	res := get(h, "GET", "/api/sweeps", nil)
	tag := res.Header.Get("ETag")
	if res.StatusCode != 200 || tag == "" {
		t.Fatalf("GET: %d, ETag %q", res.StatusCode, tag)
	}
	res = get(h, "GET", "/api/sweeps", http.Header{"If-None-Match": {tag}})
	if res.StatusCode != http.StatusNotModified || body(t, res) != "" {
		t.Errorf("If-None-Match the ETag: %d", res.StatusCode)
	}
	if res = get(h, "GET", "/api/sweeps", http.Header{"If-None-Match": {`"other"`}}); res.StatusCode != 200 {
		t.Errorf("If-None-Match another tag: %d", res.StatusCode)
	}
}

// TestGzip: a large answer is sent gzipped to a client that accepts it.
func TestGzip(t *testing.T) {
	big := strings.Repeat(`{"text":"0.9512","value":0.9512}`, 500)
	zr, err := gzip.NewReader(bytes.NewReader(gzipped([]byte(big))))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(zr); err != nil || string(b) != big {
		t.Errorf("gunzipped %d bytes, %v; want the %d sent", len(b), err, len(big))
	}
	if gzipped([]byte("small")) != nil {
		t.Error("a small body was gzipped")
	}
	for enc, want := range map[string]bool{"gzip": true, "br, gzip;q=0.5": true, "gzip;q=0": false, "identity": false, "": false} {
		req, _ := http.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", enc)
		if got := acceptsGzip(req); got != want {
			t.Errorf("acceptsGzip(%q) = %v", enc, got)
		}
	}
}
