package exp

import (
	"context"

	"github.com/exp-runner/exp/internal/cli"
)

// Main runs the exp command line with args (the arguments after the program
// name) on the process's standard streams and returns the exit code:
//
//	0    success (and exp serve, drained after SIGINT or SIGTERM)
//	1    a failure: a trial failed or diverged, an output could not be
//	     written (such as -o /dev/full: no space left on device)
//	2    a usage, config or data error, found before anything trains
//	130  stopped by SIGINT (Ctrl-C), or by the cancellation of ctx
//	143  stopped by SIGTERM
//
// Signals. The first SIGINT or SIGTERM cancels the command's context; a
// second one ends the process at once (the signal's default action).
// Training stops after the current step: the run is recorded as
// interrupted, its finished epochs kept, and the same command resumes it.
// exp serve stops accepting connections, finishes the requests under way
// and exits 0. Every other command stops within about a second, also
// while it reads, parses or decodes input (a slow FIFO included): readers
// and decoding loops watch the context. An output (-o FILE) is written
// only once the work is done, to a temporary file renamed into place, so
// that an interrupted command leaves no half-written file.
//
// Input limits, checked before memory is allocated; each refusal names the
// file (and line, key or member) and exits 2:
//   - a CSV line (training data, labels CSVs, predict and evaluate inputs)
//     longer than 64 MiB;
//   - a file read whole into memory that is larger than the machine's
//     memory allows: the file's size, a stream's bytes as they arrive, a
//     gzip file's decompressed bytes, an .npz member's declared size, an
//     .npy or idx header's shape (also checked against the file's size);
//   - an image declaring more than 50,000,000 pixels (read from its
//     header before decoding): data.max_image_pixels raises the limit for
//     a config, --max-image-pixels for predict and evaluate.
func Main(ctx context.Context, args []string) int {
	ctx, stop := cli.NotifySignals(ctx)
	defer stop()
	m := cli.New()
	m.PassThrough = true
	return m.Run(ctx, args)
}
