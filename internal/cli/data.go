package cli

import (
	"context"
	"fmt"

	"github.com/exp-runner/exp/internal/datasets"
)

func init() {
	register("data", &command{
		summary: "write a built-in dataset out as files",
		usage: `Usage: exp data export mnist --format png|csv [--first N] [--mnist-dir DIR] DIR

Writes MNIST to DIR (which must not exist or be empty), so that the
datasets exp reads from users' files can be tried on it:
	--format png  DIR/train and DIR/test: a folder per class of PNG files,
	              and a labels.csv (file,label) in MNIST's order
	--format csv  DIR/train.csv and DIR/test.csv: label,p0..p783 (bytes 0-255)

Flags:
	--format F       png or csv (required)
	--first N        only the first N images of each split (default: all)
	--mnist-dir DIR  where the idx files are (default: as dataset: mnist finds them)

Examples:
	exp data export mnist --format png /tmp/mnist-png
	exp data export mnist --format csv --first 2000 /tmp/mnist-csv
`,
		run: (*Main).runData,
	})
}

func (m *Main) runData(ctx context.Context, args []string) error {
	if len(args) < 2 || args[0] != "export" || args[1] != "mnist" {
		return usageError("exp data: expected 'export mnist'\nUsage: exp data export mnist --format png|csv DIR")
	}
	fs := m.newFlagSet("data")
	format := fs.String("format", "", "")
	first := fs.Int("first", 0, "")
	mnistDir := fs.String("mnist-dir", "", "")
	pos, err := m.parse(fs, "data", args[2:])
	if err != nil {
		return err
	}
	if len(pos) != 1 || *format == "" || *first < 0 {
		return usageError("exp data export mnist: expected --format png|csv and one folder\nUsage: exp data export mnist --format png|csv DIR")
	}
	paths, err := datasets.ExportMNIST(ctx, *mnistDir, *format, pos[0], *first)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintf(m.Stdout, "wrote %s\n", p)
	}
	return nil
}
