package serve

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
)

// csp allows the server's own scripts, styles and images and nothing else:
// no inline script, no external load, no framing; forms only to itself
// (the sweep page's options, a GET).
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// svgCSP is the policy of an SVG chart opened on its own: nothing runs.
const svgCSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"

// cookieName holds the token in a browser.
const cookieName = "exp_serve_token"

// guard checks every request before h sees it: GET and HEAD only, the Host
// header on loopback, the token; and sets the security headers.
func (s *server) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Content-Security-Policy", csp)
		if strings.HasSuffix(r.URL.Path, ".svg") {
			hdr.Set("Content-Security-Policy", svgCSP)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			hdr.Set("Allow", "GET, HEAD")
			http.Error(w, "exp serve is read-only: only GET and HEAD", http.StatusMethodNotAllowed)
			return
		}
		if s.opts.Loopback && !loopbackHost(r.Host) {
			http.Error(w, "the Host header must name a loopback address (127.0.0.1, ::1 or localhost)", http.StatusForbidden)
			return
		}
		if s.opts.Token != "" && !s.authorized(w, r) {
			return
		}
		h.ServeHTTP(w, r)
	})
}

// authorized checks the request's token: a bearer header, the cookie, or
// ?token= (which sets the cookie and redirects to the URL without it). It
// answers 401 itself when none matches.
func (s *server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if q := r.URL.Query(); q.Has("token") {
		if !s.tokenMatches(q.Get("token")) {
			http.Error(w, "wrong token", http.StatusUnauthorized)
			return false
		}
		http.SetCookie(w, &http.Cookie{Name: cookieName, Value: q.Get("token"), Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		q.Del("token")
		u := *r.URL
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
		return false
	}
	if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && s.tokenMatches(auth) {
		return true
	}
	if c, err := r.Cookie(cookieName); err == nil && s.tokenMatches(c.Value) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="exp serve"`)
	http.Error(w, "a token is needed: open /?token=… once, or send Authorization: Bearer …", http.StatusUnauthorized)
	return false
}

// tokenMatches compares t with the token in constant time (of hashes, so
// not even the length leaks).
func (s *server) tokenMatches(t string) bool {
	a, b := sha256.Sum256([]byte(t)), sha256.Sum256([]byte(s.opts.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// loopbackHost reports whether a Host header names a loopback address:
// localhost, 127.0.0.0/8 or ::1, with or without a port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopback reports whether the host of addr (host:port) is a loopback
// address or name; an empty host (all interfaces) is not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && host != "" && loopbackHost(host)
}
