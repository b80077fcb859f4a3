package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/exp-runner/exp/internal/datasets"
)

func init() {
	register("data", &command{
		summary: "write a built-in dataset out as files",
		usage: `Usage: exp data export mnist --format png|csv|npz [flags] DIR

Writes MNIST to DIR (which must not exist or be empty), so that the
datasets exp reads from users' files can be tried on it:
	--format png  DIR/train and DIR/test: a folder per class of PNG files,
	              and a labels.csv (file,label) in MNIST's order
	--format csv  DIR/train.csv and DIR/test.csv: label,p0..p783 (bytes 0-255)
	--format npz  DIR/train.npz and DIR/test.npz: x (uint8 [N, 28, 28]) and
	              y (the digits), for dataset: npz; --classes and
	              --per-class choose the images

Flags:
	--format F       png, csv or npz (required)
	--first N        png, csv: only the first N images of each split (default: all)
	--classes LIST   npz: the digits kept, e.g. 5-9 or 0,2,4 (default: all)
	--per-class N    npz: N training images of each class, picked by --seed
	                 (default: all); the test images are all kept
	--seed S         npz: seeds the pick (default 0)
	--mnist-dir DIR  where the idx files are (default: as dataset: mnist finds them)

Examples:
	exp data export mnist --format png /tmp/mnist-png
	exp data export mnist --format csv --first 2000 /tmp/mnist-csv
	exp data export mnist --format npz --classes 5-9 --per-class 20 configs/data/digits59
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
	classes := fs.String("classes", "", "")
	perClass := fs.Int("per-class", 0, "")
	seed := fs.Uint64("seed", 0, "")
	pos, err := m.parse(fs, "data", args[2:])
	if err != nil {
		return err
	}
	if len(pos) != 1 || *format == "" || *first < 0 || *perClass < 0 {
		return usageError("exp data export mnist: expected --format png|csv|npz and one folder\nUsage: exp data export mnist --format png|csv|npz DIR")
	}
	var paths []string
	if *format == "npz" {
		if *first != 0 {
			return usageError("exp data export mnist: --first is for png and csv; npz takes --classes and --per-class")
		}
		o := datasets.NpzExport{PerClass: *perClass, Seed: *seed}
		if o.Classes, err = parseDigits(*classes); err != nil {
			return usageError("exp data export mnist: --classes %q: %v", *classes, err)
		}
		paths, err = datasets.ExportMNISTNpz(ctx, *mnistDir, pos[0], o)
	} else {
		if *classes != "" || *perClass != 0 {
			return usageError("exp data export mnist: --classes and --per-class are for --format npz")
		}
		paths, err = datasets.ExportMNIST(ctx, *mnistDir, *format, pos[0], *first)
	}
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintf(m.Stdout, "wrote %s\n", p)
	}
	return nil
}

// parseDigits parses a list of digits: "5-9", "0,2,4", "0-2,7" ("": none).
func parseDigits(s string) ([]int, error) {
	var out []int
	if s == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 || a > 9 {
			return nil, fmt.Errorf("%q is not a digit", lo)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b > 9 {
				return nil, fmt.Errorf("%q is not a range of digits", part)
			}
		}
		for d := a; d <= b; d++ {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out, nil
}
