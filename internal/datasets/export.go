package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/exp-runner/exp/internal/fileout"
	"github.com/exp-runner/exp/internal/images"
	"github.com/exp-runner/exp/internal/infile"
)

// ExportFormats are the formats ExportMNIST writes.
var ExportFormats = []string{"png", "csv"}

// ExportMNIST writes MNIST (found as the mnist dataset finds it, in
// mnistDir when not empty) to dir, which must not exist or be empty, as
// format png (dir/train and dir/test, each a folder of class folders of
// PNG files with a labels.csv in MNIST's order) or csv (dir/train.csv and
// dir/test.csv, columns label,p0..p783, pixel bytes 0–255). first > 0
// writes only the first that many images of each split. It returns the
// paths written.
func ExportMNIST(ctx context.Context, mnistDir, format, dir string, first int) ([]string, error) {
	if format != "png" && format != "csv" {
		return nil, fmt.Errorf("unknown format %q (known: png, csv)", format)
	}
	found, err := FindMNIST(mnistDir)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, split := range []string{"train", "test"} {
		set, err := idxSet(ctx, found, MNISTFiles[2*i], MNISTFiles[2*i+1], first)
		if err != nil {
			return nil, err
		}
		path, err := exportSet(ctx, set, format, filepath.Join(dir, split))
		if err != nil {
			return nil, err
		}
		out = append(out, path)
	}
	return out, nil
}

// idxSet reads a pair of idx files as an images.Set (its first n images
// when n > 0).
func idxSet(ctx context.Context, dir, imagesBase, labelsBase string, n int) (*images.Set, error) {
	ip, _, err := findFile(dir, imagesBase)
	if err != nil {
		return nil, err
	}
	lp, _, err := findFile(dir, labelsBase)
	if err != nil {
		return nil, err
	}
	im, err := ReadIDX(ctx, ip, 0)
	if err != nil {
		return nil, err
	}
	lb, err := ReadIDX(ctx, lp, 0)
	if err != nil {
		return nil, err
	}
	dims, pix, labels := im.Dims, im.Data, lb.Data
	if n > 0 && n < dims[0] && n < len(labels) {
		size := len(pix) / dims[0]
		dims = append([]int{n}, dims[1:]...)
		pix, labels = pix[:n*size], labels[:n]
	}
	return images.FromIDX(dims, pix, labels)
}

// exportSet writes set as base (a folder) or base.csv.
func exportSet(ctx context.Context, set *images.Set, format, base string) (string, error) {
	if format == "png" {
		return base, images.WriteFolder(ctx, base, set)
	}
	path := base + ".csv"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, fileout.Write(path, func(w io.Writer) error { return images.WriteCSV(w, set) })
}

// exportHint returns, for a data path that does not exist, the command
// that writes it when it is where exp data export mnist puts a file or
// folder (DIR/train/labels.csv, DIR/test, DIR/train.csv, …) in a folder
// DIR whose name mentions mnist, as the example configs expect; else "".
func exportHint(path string) string {
	clean := filepath.Clean(path)
	dir, format := "", ""
	switch base, parent := filepath.Base(clean), filepath.Dir(clean); {
	case base == "labels.csv" && isSplit(filepath.Base(parent)):
		dir, format = filepath.Dir(parent), "png"
	case isSplit(base):
		dir, format = parent, "png"
	case isSplit(strings.TrimSuffix(base, ".csv")) && strings.HasSuffix(base, ".csv"):
		dir, format = parent, "csv"
	}
	if dir == "" || !strings.Contains(strings.ToLower(filepath.Base(dir)), "mnist") {
		return ""
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, dir); err == nil && !strings.HasPrefix(rel, "..") {
			dir = rel
		}
	}
	return fmt.Sprintf("write it with: exp data export mnist --format %s %s", format, dir)
}

func isSplit(name string) bool { return name == "train" || name == "test" }

// missingFileError is err, an error about a data file, with the command
// that writes it when it does not exist and exportHint knows one.
func missingFileError(path string, err error) error {
	var ne *infile.NotExistError
	if errors.As(err, &ne) && ne.Target == "" {
		if hint := exportHint(ne.Path); hint != "" {
			return fmt.Errorf("%w; %s", err, hint)
		}
	}
	return err
}
