package serve

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// csp allows the server's own scripts, styles and images and nothing else:
// no inline script, no external load, no framing; forms only to itself
// (the sweep page's options, a GET).
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// svgCSP is the policy of an SVG chart opened on its own: nothing runs.
const svgCSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"

// cookieName is the cookie that lets a browser in: it holds the session
// value (sessionValue), not the token.
const cookieName = "exp_serve_session"

// MinTokenLength is the shortest token Serve accepts, in characters.
const MinTokenLength = 16

// CheckToken reports what is wrong with a token: shorter than
// MinTokenLength characters, or holding blanks or control characters
// (which a header or a URL would not carry as they are). "" is no token.
func CheckToken(token string) error {
	if token == "" {
		return nil
	}
	if n := utf8.RuneCountInString(token); n < MinTokenLength {
		return fmt.Errorf("the token has %d characters; it needs at least %d (openssl rand -hex 16 makes one)", n, MinTokenLength)
	}
	if i := strings.IndexFunc(token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return fmt.Errorf("the token holds a blank or control character at byte %d", i)
	}
	return nil
}

// sessionValue is the cookie's value for token: an HMAC of a fixed text
// keyed by the token, so that a cookie read from a browser's store or a
// proxy's log does not reveal the token (which scripts send as a bearer
// header, and which may serve elsewhere too).
func sessionValue(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("exp serve session cookie v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// guard checks every request before h sees it: GET and HEAD only, the Host
// header on loopback, the token; and sets the security headers. At most
// maxInFlight requests are answered at once; more get 503 at once.
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
		if s.opts.Token != "" {
			// Nothing an authenticated request gets is kept by a browser or
			// a proxy (answers revalidated with an ETag are sent whole).
			hdr.Set("Cache-Control", "no-store")
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
		select {
		case s.inFlight <- struct{}{}:
			defer func() { <-s.inFlight }()
		default:
			hdr.Set("Retry-After", strconv.Itoa(retryAfter))
			http.Error(w, "exp serve: too many requests at once; try again in a few seconds", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// authorized checks the request's token: a bearer header (the scheme in
// any case), the cookie, or ?token= (which sets the cookie and redirects
// to the same path without it, never to another site). It answers 401
// itself when none matches.
func (s *server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if q := r.URL.Query(); q.Has(optToken) {
		if !s.tokenMatches(q.Get(optToken)) {
			http.Error(w, "wrong token", http.StatusUnauthorized)
			return false
		}
		http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.session, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		q.Del(optToken)
		w.Header().Set("Location", localURL(r.URL.EscapedPath(), q.Encode()))
		w.WriteHeader(http.StatusSeeOther)
		return false
	}
	if scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") &&
		s.tokenMatches(strings.TrimLeft(cred, " ")) {
		return true
	}
	if c, err := r.Cookie(cookieName); err == nil && equalHashed(c.Value, s.session) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="exp serve"`)
	http.Error(w, "a token is needed: open /?token=… once, or send Authorization: Bearer …", http.StatusUnauthorized)
	return false
}

// localURL is a redirect target on this server: path (escaped) with one
// leading slash, so that a browser cannot read it as another host
// ("//evil.example/" or "/\evil.example/"), and the query if any.
func localURL(path, query string) string {
	u := "/" + strings.TrimLeft(path, "/\\")
	if query != "" {
		u += "?" + query
	}
	return u
}

// tokenMatches compares t with the token in constant time.
func (s *server) tokenMatches(t string) bool { return equalHashed(t, s.opts.Token) }

// equalHashed compares a and b in constant time (of their hashes, so not
// even the length leaks).
func equalHashed(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
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
