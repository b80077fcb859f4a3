package datasets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/exp-runner/exp/internal/npy"
	"github.com/exp-runner/exp/internal/rng"
)

// NpzExport chooses the MNIST images ExportMNISTNpz writes.
type NpzExport struct {
	// Classes are the digits kept (nil: all ten).
	Classes []int
	// PerClass > 0 keeps that many training images of each class, picked
	// by a seeded shuffle of each class's images (0: all of them).
	PerClass int
	// Seed seeds the pick.
	Seed uint64
}

// exportStream is the rng stream ExportMNISTNpz picks training images
// from.
const exportStream = 0xe9b0

// ExportMNISTNpz writes MNIST (found as the mnist dataset finds it, in
// mnistDir when not empty) to dir/train.npz and dir/test.npz, arrays x
// (uint8 [N, 28, 28]) and y (int64 digits), which `dataset: npz` reads:
// the training images of the chosen classes (PerClass of each, picked by
// seed, in a seeded order; or all, in MNIST's order) and all their test
// images, in MNIST's order. dir must not exist or be empty. It returns the
// paths written.
func ExportMNISTNpz(ctx context.Context, mnistDir, dir string, o NpzExport) ([]string, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s exists and is not empty", dir)
	}
	keep := map[int64]bool{}
	for _, c := range o.Classes {
		if c < 0 || c > 9 {
			return nil, fmt.Errorf("class %d is not a digit", c)
		}
		keep[int64(c)] = true
	}
	found, err := FindMNIST(mnistDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []string
	for i, split := range []string{"train", "test"} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x, y, err := readIDXPair(ctx, found, MNISTFiles[2*i], MNISTFiles[2*i+1])
		if err != nil {
			return nil, err
		}
		perClass := 0
		if split == "train" {
			perClass = o.PerClass
		}
		idx := pickClasses(y, keep, perClass, o.Seed)
		path := filepath.Join(dir, split+".npz")
		if err := writeXY(path, x, y, idx); err != nil {
			return nil, err
		}
		out = append(out, path)
	}
	return out, nil
}

// readIDXPair reads an images and a labels idx file of MNIST's folder.
func readIDXPair(ctx context.Context, dir, imagesBase, labelsBase string) (*IDX, []int64, error) {
	ip, _, err := findFile(dir, imagesBase)
	if err != nil {
		return nil, nil, err
	}
	lp, _, err := findFile(dir, labelsBase)
	if err != nil {
		return nil, nil, err
	}
	im, err := ReadIDX(ctx, ip, 0)
	if err != nil {
		return nil, nil, err
	}
	lb, err := ReadIDX(ctx, lp, 0)
	if err != nil {
		return nil, nil, err
	}
	if len(im.Dims) != 3 || len(lb.Dims) != 1 || lb.Dims[0] != im.Dims[0] {
		return nil, nil, fmt.Errorf("%s and %s: expected N images and N labels, found dimensions %v and %v", ip, lp, im.Dims, lb.Dims)
	}
	y := make([]int64, len(lb.Data))
	for i, b := range lb.Data {
		y[i] = int64(b)
	}
	return im, y, nil
}

// pickClasses returns the indices of the examples whose label keep holds
// (all when keep is empty): in order, or, with perClass > 0, that many of
// each class picked by a seeded shuffle, all of them shuffled again.
func pickClasses(y []int64, keep map[int64]bool, perClass int, seed uint64) []int {
	byClass := map[int64][]int{}
	var all []int
	for i, c := range y {
		if len(keep) == 0 || keep[c] {
			byClass[c] = append(byClass[c], i)
			all = append(all, i)
		}
	}
	if perClass <= 0 {
		return all
	}
	r := rng.New(seed, exportStream)
	var out []int
	for c := range int64(10) {
		idx := byClass[c]
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		out = append(out, idx[:min(perClass, len(idx))]...)
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// writeXY writes the examples idx of the images x and labels y as an npz
// archive of x and y.
func writeXY(path string, x *IDX, y []int64, idx []int) error {
	size := x.Dims[1] * x.Dims[2]
	xs := &npy.Array{Name: "x", Shape: []int{len(idx), x.Dims[1], x.Dims[2]}, U8: make([]uint8, 0, len(idx)*size)}
	ys := &npy.Array{Name: "y", Shape: []int{len(idx)}, I64: make([]int64, 0, len(idx))}
	for _, i := range idx {
		xs.U8 = append(xs.U8, x.Data[i*size:(i+1)*size]...)
		ys.I64 = append(ys.I64, y[i])
	}
	return npy.WriteNpz(path, xs, ys)
}
