package datasets

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/exp-runner/exp/registry"
)

// MNIST's decoded cache. Decompressing and checking the four idx files
// takes a trial's start a few hundred milliseconds; the decoded bytes are
// kept instead in one file per set of source files, under
// <os.UserCacheDir>/exp/mnist, as the images dataset keeps its decoded
// images (see package images):
//
//   - the file name is a key hashed from the source files' absolute paths,
//     sizes and modification times, so changed files are another key;
//   - the file starts with a magic number and format version, the whole
//     key, and the two splits' sizes, which must match the file's length
//     before anything is read, and ends with a CRC-32 of all that comes
//     before it: a truncated, damaged, stale or foreign file is a miss,
//     decoded again and rewritten, never trusted;
//   - it is written through a temporary file in the same folder, synced,
//     then renamed over the name, so that concurrent writers and readers
//     see a whole file or none;
//   - files unused (neither written nor read) for mnistCacheMaxAge are
//     removed when a new one is written.
//
// A hit maps the file into memory (a single read where mmap is not
// available): the pixels are the page cache's, shared by every trial
// process on the machine, and each process maps a key once.

// mnistMagic starts every cache file; its last byte is the format version.
var mnistMagic = [8]byte{'E', 'X', 'P', 'M', 'N', 'I', 0, 1}

// mnistHeader is the magic, the 32-byte key, and the training and
// validation counts, height and width as uint32s.
const mnistHeader = 8 + 32 + 4*4

// mnistCacheMaxAge is how long a cache file unused stays.
const mnistCacheMaxAge = 30 * 24 * time.Hour

// mnistMaxExamples bounds each split's count in a cache file's header,
// checked before any size is computed from it.
const mnistMaxExamples = 1 << 24

// mnistSuffix ends the cache files' names (and their temporary files').
const mnistSuffix = ".mnist"

// mnistSplit is one split's decoded bytes: n images of h×w pixels and n
// labels, each a digit.
type mnistSplit struct {
	n, h, w int
	pixels  []byte
	labels  []byte
}

// examples returns s as registry examples, sharing its pixels.
func (s *mnistSplit) examples() *registry.Examples {
	e := &registry.Examples{N: s.n, Shape: []int{s.h, s.w, 1}, Pixels: s.pixels, Labels: make([]int32, s.n)}
	for i, l := range s.labels {
		e.Labels[i] = int32(l)
	}
	return e
}

// mnistCacheDir returns <os.UserCacheDir>/exp/mnist, or "" when the user
// has no cache folder (then nothing is cached).
func mnistCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "exp", "mnist")
}

// mnistKey hashes what the decoded bytes depend on: the format version and
// the four files (absolute path, size, modification time, in order).
func mnistKey(paths [4]string, infos [4]fs.FileInfo) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "exp mnist cache %d\n", mnistMagic[7])
	var buf []byte
	for i, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs // else the path keys as it is, which only costs cache hits
		}
		buf = append(buf[:0], p...)
		buf = append(buf, 0)
		buf = binary.LittleEndian.AppendUint64(buf, uint64(infos[i].Size()))
		buf = binary.LittleEndian.AppendUint64(buf, uint64(infos[i].ModTime().UnixNano()))
		h.Write(buf) // a hash.Hash never returns an error
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// mnistCacheFile is the cache file of key in dir.
func mnistCacheFile(dir string, key [32]byte) string {
	return filepath.Join(dir, hex.EncodeToString(key[:16])+mnistSuffix)
}

// mnistMapped holds, by key, the splits this process has read from cache
// files: a key is mapped and checked once per process. The mappings are
// never unmapped (slices of them are handed out); they are clean file
// pages the system can reclaim.
var mnistMapped struct {
	sync.Mutex
	splits map[[32]byte][2]*mnistSplit
}

// readMNISTCache returns the training and validation splits held in the
// cache file path under key. A missing file is a miss with no error; a
// file that cannot be read, or whose content is not what key promises, is
// a miss with an error that says why.
func readMNISTCache(path string, key [32]byte) (*mnistSplit, *mnistSplit, error) {
	mnistMapped.Lock()
	defer mnistMapped.Unlock()
	if s, ok := mnistMapped.splits[key]; ok {
		return s[0], s[1], nil
	}
	b, release, err := mapFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("MNIST cache: %w", err)
	}
	train, val, why := parseMNISTCache(b, key)
	if why != "" {
		release()
		return nil, nil, fmt.Errorf("MNIST cache: %s %s", path, why)
	}
	if mnistMapped.splits == nil {
		mnistMapped.splits = map[[32]byte][2]*mnistSplit{}
	}
	mnistMapped.splits[key] = [2]*mnistSplit{train, val}
	now := time.Now()
	_ = os.Chtimes(path, now, now) // marks the file as used for pruning; failing only ages it
	return train, val, nil
}

// parseMNISTCache checks b, a cache file's content, against key and
// returns its two splits (slices of b), or why it is not a valid file.
func parseMNISTCache(b []byte, key [32]byte) (train, val *mnistSplit, why string) {
	if len(b) < mnistHeader+4 || !bytes.Equal(b[:8], mnistMagic[:]) {
		return nil, nil, "is not a cache file of this version"
	}
	if !bytes.Equal(b[8:40], key[:]) {
		return nil, nil, "belongs to other files"
	}
	var dims [4]int
	for i := range dims {
		dims[i] = int(binary.LittleEndian.Uint32(b[40+4*i:]))
	}
	nTrain, nVal, h, w := dims[0], dims[1], dims[2], dims[3]
	if nTrain > mnistMaxExamples || nVal > mnistMaxExamples || h != 28 || w != 28 {
		return nil, nil, fmt.Sprintf("has implausible sizes %v", dims)
	}
	size := (nTrain + nVal) * (h*w + 1)
	if len(b) != mnistHeader+size+4 {
		return nil, nil, "has the wrong length"
	}
	if crc32.ChecksumIEEE(b[:mnistHeader+size]) != binary.LittleEndian.Uint32(b[mnistHeader+size:]) {
		return nil, nil, "fails its checksum"
	}
	rest := b[mnistHeader : mnistHeader+size]
	cut := func(n int) []byte {
		part := rest[:n:n] // capped: an append never writes into the next part
		rest = rest[n:]
		return part
	}
	train = &mnistSplit{n: nTrain, h: h, w: w, pixels: cut(nTrain * h * w), labels: cut(nTrain)}
	val = &mnistSplit{n: nVal, h: h, w: w, pixels: cut(nVal * h * w), labels: cut(nVal)}
	for _, s := range []*mnistSplit{train, val} {
		for _, l := range s.labels {
			if l > 9 {
				return nil, nil, "holds a label that is not a digit"
			}
		}
	}
	return train, val, ""
}

// writeMNISTCache writes the two splits under key to path atomically.
// Errors leave no file behind; the cache is only a cache, so the caller
// goes on without it.
func writeMNISTCache(path string, key [32]byte, train, val *mnistSplit) (err error) {
	var head [mnistHeader]byte
	copy(head[:], mnistMagic[:])
	copy(head[8:], key[:])
	for i, d := range []int{train.n, val.n, train.h, train.w} {
		binary.LittleEndian.PutUint32(head[40+4*i:], uint32(d))
	}
	parts := [][]byte{head[:], train.pixels, train.labels, val.pixels, val.labels}
	var crc uint32
	for _, p := range parts {
		crc = crc32.Update(crc, crc32.IEEETable, p)
	}
	parts = append(parts, binary.LittleEndian.AppendUint32(nil, crc))
	if err := writeFileAtomic(path, mnistSuffix, parts...); err != nil {
		return fmt.Errorf("MNIST cache not written: %w", err)
	}
	pruneByAge(filepath.Dir(path), mnistSuffix, mnistCacheMaxAge)
	return nil
}

// writeFileAtomic writes the concatenation of parts to path through a
// temporary file in its folder (named .tmp-*suffix), synced, then renamed
// over path, and syncs the folder where the system allows: concurrent
// readers and writers see a whole file or none. A failure removes the
// temporary file.
func writeFileAtomic(path, suffix string, parts ...[]byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*"+suffix)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()           // already failing: its error adds nothing
			_ = os.Remove(f.Name()) // best effort: a stray temporary file is pruned later
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	for _, p := range parts {
		_, _ = bw.Write(p) // bufio keeps the first error for Flush
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()  // makes the rename durable where the file system syncs folders
		_ = d.Close() // read-only handle
	}
	return nil
}

// pruneByAge removes the files of dir whose names end in suffix and that
// were last modified more than maxAge ago; it is best effort, and a
// process still using a removed file keeps its data.
func pruneByAge(dir, suffix string, maxAge time.Duration) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, d := range des {
		if !strings.HasSuffix(d.Name(), suffix) {
			continue
		}
		if info, err := d.Info(); err == nil && time.Since(info.ModTime()) > maxAge {
			_ = os.Remove(filepath.Join(dir, d.Name())) // another process may have removed it first
		}
	}
}
