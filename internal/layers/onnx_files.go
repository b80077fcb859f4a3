package layers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/exp-runner/exp/internal/contenthash"
	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/internal/onnx"
)

// onnxFile is an ONNX file read, with its external data: the model and the
// hash of the files' contents.
type onnxFile struct {
	abs   string // the file's absolute path
	stamp string // the files' sizes and modification times when read
	bytes int64  // the files' sizes
	m     *onnx.Model
	hash  string
}

// onnxCacheSize is how many ONNX files a process keeps read: a sweep's
// trials, each a config of its own, mostly name the same file.
const onnxCacheSize = 4

// onnxFiles holds the files read last, the most recent first; a file is
// read again when its size or modification time (or its data files') has
// changed.
var onnxFiles struct {
	sync.Mutex
	list []*onnxFile
}

// openONNX returns the ONNX file at path read (from the cache when it has
// not changed), refusing it before reading when, with its external data,
// it holds more than maxBytes (0: no limit). display names it in messages.
func openONNX(path, display string, maxBytes int64) (*onnxFile, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	onnxFiles.Lock()
	defer onnxFiles.Unlock()
	for i, f := range onnxFiles.list {
		if f.abs != abs {
			continue
		}
		if stamp, _, err := fileStamp(abs, f.m.DataFiles()); err != nil || stamp != f.stamp {
			continue
		}
		if maxBytes > 0 && f.bytes > maxBytes {
			return nil, fmt.Errorf("%s: the model and its external data are %s, more than the %s allowed: %w",
				f.m.Path(), meminfo.Binary(f.bytes), meminfo.Binary(maxBytes), onnx.ErrTooLarge)
		}
		copy(onnxFiles.list[1:i+1], onnxFiles.list[:i])
		onnxFiles.list[0] = f
		return f, nil
	}
	f, err := readONNX(abs, display, maxBytes)
	if err != nil {
		return nil, err
	}
	onnxFiles.list = append([]*onnxFile{f}, onnxFiles.list[:min(len(onnxFiles.list), onnxCacheSize-1)]...)
	return f, nil
}

// readONNX reads and hashes the file abs, named display in messages.
func readONNX(abs, display string, maxBytes int64) (*onnxFile, error) {
	m, err := onnx.Open(display, maxBytes)
	if err != nil {
		return nil, err
	}
	stamp, n, err := fileStamp(abs, m.DataFiles())
	if err != nil {
		return nil, err
	}
	paths := []string{abs}
	for _, d := range m.DataFiles() {
		paths = append(paths, filepath.Join(filepath.Dir(abs), d))
	}
	// The files were just read whole by onnx.Open, within maxBytes:
	// hashing them again is bounded and quick, so it is not interruptible.
	hash, err := contenthash.Files(context.Background(), paths...)
	if err != nil {
		return nil, err
	}
	return &onnxFile{abs: abs, stamp: stamp, bytes: n, m: m, hash: hash}, nil
}

// fileStamp returns the sizes and modification times of the file abs and
// its data files (relative to its folder), and their total size.
func fileStamp(abs string, data []string) (string, int64, error) {
	var b strings.Builder
	var total int64
	for _, p := range append([]string{abs}, data...) {
		if p != abs {
			p = filepath.Join(filepath.Dir(abs), p)
		}
		st, err := os.Stat(p)
		if err != nil {
			return "", 0, err
		}
		fmt.Fprintf(&b, "%s\x00%d\x00%d\n", p, st.Size(), st.ModTime().UnixNano())
		total += st.Size()
	}
	return b.String(), total, nil
}

// displayPath names in messages the file written as written in a config
// and found at path: relative to the working directory when it lies below
// it, or was written relative and lies at most two folders up; else
// absolute.
func displayPath(written, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	wd, err := os.Getwd()
	if err != nil {
		return abs
	}
	rel, err := filepath.Rel(wd, abs)
	switch {
	case err != nil:
		return abs
	case filepath.IsLocal(rel):
		return rel
	case !filepath.IsAbs(written) && !strings.HasPrefix(rel, filepath.Join("..", "..", "..")):
		return rel
	}
	return abs
}
