package images

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// FromIDX makes a classification Set from the contents of idx files: images
// with dimensions N×H×W (grayscale) or N×H×W×C (C = 1 or 3) and one byte
// label per image. The class names are "0" to the largest label.
func FromIDX(dims []int, pix []byte, labels []byte) (*Set, error) {
	if len(dims) != 3 && len(dims) != 4 {
		return nil, fmt.Errorf("idx images: dimensions %v: expected N×H×W or N×H×W×C", dims)
	}
	s := &Set{N: dims[0], H: dims[1], W: dims[2], C: 1, Pix: pix, Task: Classification}
	if len(dims) == 4 {
		s.C = dims[3]
	}
	if s.C != 1 && s.C != 3 {
		return nil, fmt.Errorf("idx images: %d channels: expected 1 or 3", s.C)
	}
	if s.N*s.H*s.W*s.C != len(pix) {
		return nil, fmt.Errorf("idx images: dimensions %v do not match %d bytes", dims, len(pix))
	}
	if len(labels) != s.N {
		return nil, fmt.Errorf("idx labels: %d labels for %d images", len(labels), s.N)
	}
	s.Labels = make([]int32, s.N)
	top := 0
	for i, l := range labels {
		s.Labels[i] = int32(l)
		top = max(top, int(l))
	}
	for c := range top + 1 {
		s.ClassNames = append(s.ClassNames, strconv.Itoa(c))
	}
	return s, nil
}

// WriteFolder writes a classification Set as PNG files dir/<class>/<index>.png
// (the index zero-padded, so file names sort in the Set's order) and
// dir/labels.csv (file,label, in the Set's order), encoding in parallel. dir
// must not exist or be empty.
func WriteFolder(ctx context.Context, dir string, s *Set) error {
	if s.Task != Classification || len(s.Labels) != s.N {
		return fmt.Errorf("%s: only a classification set can be written as class folders", dir)
	}
	if err := emptyDir(dir); err != nil {
		return err
	}
	names := make([]string, s.N)
	digits := len(strconv.Itoa(max(s.N-1, 0)))
	var csv bytes.Buffer
	csv.WriteString("file,label\n")
	for i, l := range s.Labels {
		if int(l) < 0 || int(l) >= len(s.ClassNames) {
			return fmt.Errorf("image %d: label %d has no class name", i, l)
		}
		names[i] = fmt.Sprintf("%s/%0*d.png", s.ClassNames[l], digits, i)
		fmt.Fprintf(&csv, "%s,%s\n", csvField(names[i]), csvField(s.ClassNames[l]))
	}
	for _, c := range s.ClassNames {
		if c == "" || c == "." || c == ".." || strings.ContainsAny(c, `/\`) {
			return fmt.Errorf("%s: class name %q cannot be a folder name", dir, c)
		}
		if err := os.MkdirAll(filepath.Join(dir, c), 0o755); err != nil {
			return err
		}
	}
	if err := s.writePNGs(ctx, dir, names); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "labels.csv"), csv.Bytes(), 0o644)
}

func emptyDir(dir string) error {
	des, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(des) > 0 {
		return fmt.Errorf("%s: exists and is not empty", dir)
	}
	return nil
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// writePNGs encodes image i to dir/names[i] with GOMAXPROCS workers; the
// first error stops them.
func (s *Set) writePNGs(ctx context.Context, dir string, names []string) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(s.N, 1)) {
		wg.Go(func() {
			var buf bytes.Buffer
			enc := png.Encoder{CompressionLevel: png.DefaultCompression}
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= s.N {
					return
				}
				buf.Reset()
				err := enc.Encode(&buf, s.asImage(i))
				if err == nil {
					err = os.WriteFile(filepath.Join(dir, filepath.FromSlash(names[i])), buf.Bytes(), 0o644)
				}
				if err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// asImage wraps image i as an image.Gray, or an opaque image.NRGBA.
func (s *Set) asImage(i int) image.Image {
	r := image.Rect(0, 0, s.W, s.H)
	p := s.Image(i)
	if s.C == 1 {
		return &image.Gray{Pix: p, Stride: s.W, Rect: r}
	}
	m := image.NewNRGBA(r)
	for j := range s.H * s.W {
		copy(m.Pix[4*j:4*j+3], p[3*j:3*j+3])
		m.Pix[4*j+3] = 255
	}
	return m
}

// WriteCSV writes s as one CSV: a header label,p0,…,pK then one row per
// image, its class name (or target) and its H·W·C bytes.
func WriteCSV(w io.Writer, s *Set) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("label") // bufio keeps the first error for Flush
	n := s.H * s.W * s.C
	for j := range n {
		bw.WriteString(",p" + strconv.Itoa(j))
	}
	bw.WriteByte('\n')
	var line []byte
	for i := range s.N {
		line = line[:0]
		switch {
		case s.Task == Regression:
			line = strconv.AppendFloat(line, float64(s.Targets[i]), 'g', -1, 32)
		case int(s.Labels[i]) < len(s.ClassNames):
			line = append(line, csvField(s.ClassNames[s.Labels[i]])...)
		default:
			return fmt.Errorf("image %d: label %d has no class name", i, s.Labels[i])
		}
		for _, v := range s.Image(i) {
			line = append(line, ',')
			line = strconv.AppendUint(line, uint64(v), 10)
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}
