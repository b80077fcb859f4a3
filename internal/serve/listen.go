package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Server timeouts: every request's headers and body must arrive in time and
// its answer be written in time (the pages poll; nothing streams), and idle
// connections close.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 5 * time.Second
)

// ErrNeedToken is returned by Serve for an address off loopback without a
// token.
var ErrNeedToken = errors.New("exp serve: listening beyond loopback needs --token (or $EXP_SERVE_TOKEN): anyone who can reach the address could read the results")

// Serve answers the dashboard over store on addr until ctx is done, then
// shuts down, letting requests in flight finish for a few seconds. It
// prints the dashboard's URL to out. An address off loopback needs a token
// (ErrNeedToken); on loopback the Host header is checked.
func Serve(ctx context.Context, store Reader, addr string, opts Options, out io.Writer) error {
	opts.Loopback = IsLoopback(addr)
	if !opts.Loopback && opts.Token == "" {
		return ErrNeedToken
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("exp serve: %w", err)
	}
	srv := &http.Server{
		Handler:           Handler(store, opts),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(out, "exp serve: http://%s/ (read-only, over %s; Ctrl-C stops)\n", ln.Addr(), store.Path())
	if opts.Token != "" {
		fmt.Fprintf(out, "open http://%s/?token=YOUR_TOKEN once in a browser; scripts send Authorization: Bearer YOUR_TOKEN\n", ln.Addr())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("exp serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	<-done // http.ErrServerClosed once Shutdown began
	if err != nil {
		return fmt.Errorf("exp serve: shutdown: %w", err)
	}
	fmt.Fprintln(out, "exp serve: stopped")
	return nil
}
