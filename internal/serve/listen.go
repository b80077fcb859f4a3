package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
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

// ErrBadOption is wrapped by Serve's error for an address or a token it
// refuses before listening.
var ErrBadOption = errors.New("exp serve")

// CheckAddr reports what is wrong with a listening address: HOST:PORT,
// where HOST may be empty (every interface) and PORT is a number from 0
// to 65535.
func CheckAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid address %s: %v (want HOST:PORT, e.g. 127.0.0.1:8080)", short(addr), unquoteAddrErr(err))
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("invalid address %s: port %s is not a number from 0 to 65535", short(addr), short(port))
	}
	if strings.ContainsAny(host, " /?#@") {
		return fmt.Errorf("invalid address %s: %s is not a host name or IP address", short(addr), short(host))
	}
	return nil
}

// unquoteAddrErr is the reason of a net.AddrError without the address it
// repeats.
func unquoteAddrErr(err error) string {
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return ae.Err
	}
	return err.Error()
}

// Serve answers the dashboard over store on addr until ctx is done, then
// shuts down, letting requests in flight finish for a few seconds. It
// prints the dashboard's URL to out. Before listening it refuses an
// invalid address or token (ErrBadOption), and an address off loopback
// without a token (ErrNeedToken); on loopback the Host header is checked.
func Serve(ctx context.Context, store Reader, addr string, opts Options, out io.Writer) error {
	if err := CheckAddr(addr); err != nil {
		return fmt.Errorf("%w: --addr: %v", ErrBadOption, err)
	}
	if err := CheckToken(opts.Token); err != nil {
		return fmt.Errorf("%w: --token: %v", ErrBadOption, err)
	}
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
