package infer

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/exp-runner/exp/internal/datasets"
	"github.com/exp-runner/exp/internal/images"
	"github.com/exp-runner/exp/internal/npy"
	"github.com/exp-runner/exp/registry"
)

// readNPZ reads the inputs of an npz run: an .npz archive holding the
// run's x array (and its y array, when present, as labels or targets), or
// a .npy file of inputs. Examples are identified by their index.
func (m *Model) readNPZ(ctx context.Context, path string) (*Inputs, error) {
	xName, yName := "x", "y"
	if n, ok := dataset(m.Config).(*datasets.NPZ); ok {
		xName, yName = or(n.X, "x"), or(n.Y, "y")
	}
	var x, y *npy.Array
	if strings.HasSuffix(path, ".npy") {
		a, err := npy.ReadFile(ctx, path, readLimit())
		if err != nil {
			return nil, err
		}
		x = a
	} else {
		names, err := npy.Names(path)
		if err != nil {
			return nil, err
		}
		want := []string{xName}
		if slices.Contains(names, yName) {
			want = append(want, yName)
		}
		arrays, err := npy.ReadNpz(ctx, path, readLimit(), want...)
		if err != nil {
			return nil, err
		}
		x, y = arrays[xName], arrays[yName]
	}
	return m.npzInputs(path, x, y)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// npzInputs checks x against the model's input shape and numbers y's
// classes as the run did.
func (m *Model) npzInputs(path string, x, y *npy.Array) (*Inputs, error) {
	shape := append([]int(nil), x.Shape[1:]...)
	if x.U8 != nil && len(shape) == 2 {
		shape = append(shape, 1) // (N, H, W) bytes are one-channel images, as in training
	}
	if fmt.Sprint(shape) != fmt.Sprint(m.Shape()) {
		return nil, fmt.Errorf("%s: %s has examples of shape %v, the model takes %v", path, x.Name, shape, m.Shape())
	}
	s := &registry.Examples{N: x.Len(), Shape: shape}
	if x.U8 != nil {
		s.Pixels = x.U8
	} else {
		s.X = x.Float32()
	}
	if y != nil {
		if err := m.npzTargets(path, s, y); err != nil {
			return nil, err
		}
	}
	in := &Inputs{IDName: "index", IDs: make([]string, s.N), Split: s}
	for i := range in.IDs {
		in.IDs[i] = strconv.Itoa(i)
	}
	return in, nil
}

// npzTargets puts y into s: labels by the run's classes, or targets.
func (m *Model) npzTargets(path string, s *registry.Examples, y *npy.Array) error {
	if y.Len() != s.N {
		return fmt.Errorf("%s: %s has %d values for %d examples", path, y.Name, y.Len(), s.N)
	}
	if !m.Classification() {
		s.Targets = y.Float32()
		return nil
	}
	vals := y.Int64()
	if vals == nil {
		return fmt.Errorf("%s: %s holds %s values; the run's classes are integers", path, y.Name, y.DType)
	}
	s.Labels = make([]int32, len(vals))
	for i, v := range vals {
		k := slices.Index(m.Classes, strconv.FormatInt(v, 10))
		if k < 0 {
			return fmt.Errorf("%s: example %d has class %d, which the run never saw (classes: %s)", path, i, v, strings.Join(m.Classes, ", "))
		}
		s.Labels[i] = int32(k)
	}
	return nil
}

// readLabelledImages reads a folder of class folders, or a labels CSV, as
// the images run's training data was read (its class names, size and
// colour mode), with labels or targets, for exp evaluate.
func (m *Model) readLabelledImages(ctx context.Context, path string, o imageOptions) (*Inputs, error) {
	so := images.ScanOptions{ClassNames: m.Classes}
	if !m.Classification() {
		so = images.ScanOptions{Task: images.Regression}
	}
	list, err := images.Scan(ctx, path, so)
	if err != nil {
		return nil, err
	}
	set, err := m.loadImages(ctx, list, o, path)
	if err != nil {
		return nil, err
	}
	s := &registry.Examples{N: set.N, Shape: []int{set.H, set.W, set.C}, Pixels: set.Pix, Labels: set.Labels}
	if set.Task == images.Regression {
		s.Labels, s.Targets = nil, set.Targets
	}
	return &Inputs{IDName: "path", IDs: set.Paths, Split: s}, nil
}
