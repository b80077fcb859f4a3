package datasets

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/exp-runner/exp/internal/fileout"
	"github.com/exp-runner/exp/internal/images"
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
		set, err := idxSet(found, MNISTFiles[2*i], MNISTFiles[2*i+1], first)
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
func idxSet(dir, imagesBase, labelsBase string, n int) (*images.Set, error) {
	ip, err := findFile(dir, imagesBase)
	if err != nil {
		return nil, err
	}
	lp, err := findFile(dir, labelsBase)
	if err != nil {
		return nil, err
	}
	im, err := ReadIDX(ip)
	if err != nil {
		return nil, err
	}
	lb, err := ReadIDX(lp)
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
