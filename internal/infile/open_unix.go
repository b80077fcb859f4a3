//go:build unix

package infile

import (
	"context"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// openFile opens path for reading. Opening a FIFO waits for a writer: when
// ctx is done first, the wait is ended by opening the FIFO for writing
// (which lets the pending open return), and ctx's error returned.
func openFile(ctx context.Context, path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		return os.Open(path)
	}
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result, 1)
	go func() { // ends when the open returns: a writer came, or the wake-up below
		f, err := os.Open(path)
		ch <- result{f, err}
	}()
	select {
	case r := <-ch:
		return r.f, r.err
	case <-ctx.Done():
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		// Fails (ENXIO) until the goroutine's open is waiting; then lets it return.
		if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		select {
		case r := <-ch:
			if r.f != nil {
				r.f.Close()
			}
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}
