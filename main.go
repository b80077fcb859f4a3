package exp

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/exp-runner/exp/internal/cli"
)

// Main runs the exp command line with args (the arguments after the program
// name) on the process's standard streams and returns the exit code: 0 for
// success, 1 for a failure, 2 for a usage, config or data error, 130 when
// interrupted. The first SIGINT or SIGTERM stops training after the current
// step (the run is recorded as interrupted and resumes next time); a second
// one kills the process at once.
func Main(ctx context.Context, args []string) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // a second signal gets the default action
	m := cli.New()
	m.PassThrough = true
	return m.Run(ctx, args)
}
