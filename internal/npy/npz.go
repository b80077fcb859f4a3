package npy

import (
	"archive/zip"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"

	"github.com/exp-runner/exp/internal/infile"
	"github.com/exp-runner/exp/internal/suggest"
)

// Names lists the arrays in the .npz archive at path, sorted.
func Names(path string) ([]string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, infile.Explain(path, err)
		}
		return nil, fmt.Errorf("%s: not a readable .npz (zip) archive: %w", path, err)
	}
	defer zr.Close() // read-only: a close error loses nothing
	return memberNames(zr), nil
}

func memberNames(zr *zip.ReadCloser) []string {
	var names []string
	for _, f := range zr.File {
		if n, ok := strings.CutSuffix(f.Name, ".npy"); ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// ReadNpz reads the named arrays from the .npz archive at path until ctx
// is done. An absent name is an error listing the archive's arrays and
// suggesting the nearest. A member whose declared size exceeds limit
// (> 0, the most bytes one array may take) is refused before it is
// inflated, and its header's shape is checked against that size.
func ReadNpz(ctx context.Context, path string, limit int64, names ...string) (map[string]*Array, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, infile.Explain(path, err)
		}
		return nil, fmt.Errorf("%s: not a readable .npz (zip) archive: %w", path, err)
	}
	defer zr.Close() // read-only: a close error loses nothing
	members := map[string]*zip.File{}
	for _, f := range zr.File {
		members[f.Name] = f
	}
	out := map[string]*Array{}
	var missing []string
	for _, name := range names {
		f, ok := members[name+".npy"]
		if !ok {
			missing = append(missing, name)
			continue
		}
		a, err := readMember(ctx, path, name, f, limit)
		if err != nil {
			return nil, err
		}
		out[name] = a
	}
	if len(missing) > 0 {
		return nil, missingError(path, missing, memberNames(zr))
	}
	return out, nil
}

func readMember(ctx context.Context, path, name string, f *zip.File, limit int64) (*Array, error) {
	where := path + ":" + name
	size := f.UncompressedSize64
	if size > math.MaxInt64 || (limit > 0 && int64(size) > limit) {
		return nil, &infile.TooLargeError{Path: where, Limit: limit, Size: int64(min(size, math.MaxInt64)),
			What: "the member (by the size the archive declares)"}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: array %q: %w", path, name, err)
	}
	defer rc.Close() // read-only: a close error loses nothing
	r := infile.NewReader(ctx, where, rc, 0)
	a, err := Decode(where, bufio.NewReaderSize(r, 1<<16), int64(size), limit)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// missingError names the absent arrays, the present ones and a suggestion.
func missingError(path string, missing, have []string) error {
	var b strings.Builder
	for i, m := range missing {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "no array %q", m)
		if s := suggest.Nearest(m, have); s != "" {
			fmt.Fprintf(&b, " (did you mean %q?)", s)
		}
	}
	quoted := make([]string, len(have))
	for i, h := range have {
		quoted[i] = fmt.Sprintf("%q", h)
	}
	return fmt.Errorf("%s: %s; the archive holds %s", path, b.String(), strings.Join(quoted, ", "))
}
