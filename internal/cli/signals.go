package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Interrupted is the cause of a context that NotifySignals cancelled: the
// signal that arrived. Run turns it into the exit status 128 + the
// signal's number.
type Interrupted struct {
	Signal os.Signal
}

// Error names the signal.
func (e *Interrupted) Error() string { return fmt.Sprintf("interrupted (%s)", signalName(e.Signal)) }

// NotifySignals returns a context that is cancelled at the first SIGINT or
// SIGTERM, with an *Interrupted cause naming it. After that first signal
// both get their default action back, so a second one ends the process at
// once. stop releases the signals and the context.
func NotifySignals(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { // ends at the first signal, or when stop is called
		select {
		case s := <-sigs:
			signal.Stop(sigs)
			cancel(&Interrupted{Signal: s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		select {
		case <-done:
		default:
			close(done)
		}
		cancel(context.Canceled)
	}
}

// interruptedCode returns the exit status of a command whose ctx was
// cancelled: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM)
// when a signal did it, ExitInterrupted when something else did; 0 when
// ctx is live.
func interruptedCode(ctx context.Context) int {
	if ctx.Err() == nil {
		return 0
	}
	var in *Interrupted
	if errors.As(context.Cause(ctx), &in) {
		if s, ok := in.Signal.(syscall.Signal); ok {
			return 128 + int(s)
		}
	}
	return ExitInterrupted
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}
