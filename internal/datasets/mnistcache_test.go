package datasets

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exp-runner/exp/registry"
)

// tinyMNIST writes four small idx files in MNIST's layout to a new folder:
// nTrain and nVal 28×28 images whose pixels and labels follow from salt.
func tinyMNIST(t *testing.T, nTrain, nVal int, salt byte) string {
	t.Helper()
	dir := t.TempDir()
	writeTinyMNIST(t, dir, nTrain, nVal, salt)
	return dir
}

func writeTinyMNIST(t *testing.T, dir string, nTrain, nVal int, salt byte) {
	t.Helper()
	for i, n := range []int{nTrain, nVal} {
		pix := make([]byte, n*784)
		for j := range pix {
			pix[j] = byte(j*7) + salt + byte(i)
		}
		labels := make([]byte, n)
		for j := range labels {
			labels[j] = byte(j+int(salt)) % 10
		}
		images := idxBytes(3, []uint32{uint32(n), 28, 28}, pix)
		if i == 0 {
			images = gz(images) // one file of each kind
		}
		names := []string{MNISTFiles[2*i] + []string{".gz", ""}[i], MNISTFiles[2*i+1]}
		for k, b := range [][]byte{images, idxBytes(1, []uint32{uint32(n)}, labels)} {
			if err := os.WriteFile(filepath.Join(dir, names[k]), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// isolateCache points the user cache folder at a new folder and forgets
// the cache files this process mapped; it returns the MNIST cache folder.
func isolateCache(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	forgetMapped()
	t.Cleanup(forgetMapped)
	dir := mnistCacheDir()
	if !strings.HasPrefix(dir, home) {
		t.Skip("os.UserCacheDir does not follow $XDG_CACHE_HOME on this system")
	}
	return dir
}

func forgetMapped() {
	mnistMapped.Lock()
	mnistMapped.splits = nil
	mnistMapped.Unlock()
}

func loadTiny(t *testing.T, dir string) *registry.Data {
	t.Helper()
	set, err := (&MNIST{Dir: dir}).Load(context.Background(), registry.DataEnv{})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// sameData reports whether a and b hold the same examples.
func sameData(a, b *registry.Data) bool {
	for _, p := range [][2]*registry.Examples{{a.Train, b.Train}, {a.Val, b.Val}} {
		if p[0].N != p[1].N || !slices.Equal(p[0].Shape, p[1].Shape) ||
			!bytes.Equal(p[0].Pixels, p[1].Pixels) || !slices.Equal(p[0].Labels, p[1].Labels) {
			return false
		}
	}
	return true
}

// cacheFileNames lists the names in the cache folder.
func cacheFileNames(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names
}

// tinyKey returns the cache key and file of the idx files in dir.
func tinyKey(t *testing.T, cache, dir string) ([32]byte, string) {
	t.Helper()
	var paths [4]string
	var infos [4]os.FileInfo
	for i, base := range MNISTFiles {
		var err error
		if paths[i], infos[i], err = findFile(dir, base); err != nil {
			t.Fatal(err)
		}
	}
	key := mnistKey(paths, infos)
	return key, mnistCacheFile(cache, key)
}

func TestMNISTCacheRoundTrip(t *testing.T) {
	cache := isolateCache(t)
	dir := tinyMNIST(t, 5, 3, 0)
	first := loadTiny(t, dir)
	if first.Train.N != 5 || first.Val.N != 3 || first.Train.Labels[4] != 4 || first.Val.Pixels[0] != 1 {
		t.Fatalf("decoded %d/%d examples, label %d, pixel %d", first.Train.N, first.Val.N, first.Train.Labels[4], first.Val.Pixels[0])
	}
	names := cacheFileNames(t, cache)
	if len(names) != 1 || !strings.HasSuffix(names[0], mnistSuffix) {
		t.Fatalf("cache folder holds %v, want one %s file and no temporary file", names, mnistSuffix)
	}
	key, file := tinyKey(t, cache, dir)
	forgetMapped()
	train, val, err := readMNISTCache(file, key)
	if err != nil || train == nil {
		t.Fatalf("reading the cache written: %v", err)
	}
	second := loadTiny(t, dir) // from the cache, mapped above
	if !sameData(first, second) {
		t.Error("the cached data differ from the decoded data")
	}
	if !bytes.Equal(train.pixels, second.Train.Pixels) || !bytes.Equal(val.labels, []byte{0, 1, 2}) {
		t.Error("Load did not return the cached splits")
	}

	// Changed files are another key: decoded again, not taken from the cache.
	writeTinyMNIST(t, dir, 5, 3, 1)
	later := time.Now().Add(time.Hour)
	for _, name := range cacheFileNames(t, dir) {
		if err := os.Chtimes(filepath.Join(dir, name), later, later); err != nil {
			t.Fatal(err)
		}
	}
	third := loadTiny(t, dir)
	if third.Train.Labels[0] != 1 || third.Train.Pixels[0] != 1 || sameData(first, third) {
		t.Errorf("after the files changed: label %d, pixel %d (want 1, 1)", third.Train.Labels[0], third.Train.Pixels[0])
	}
	if n := len(cacheFileNames(t, cache)); n != 2 {
		t.Errorf("%d cache files after the change, want 2", n)
	}
}

// TestMNISTCacheCorruptIsRebuilt damages a cache file in every way it
// checks: each is a miss that says why, and the next load decodes the
// files again and rewrites the cache file.
func TestMNISTCacheCorruptIsRebuilt(t *testing.T) {
	recrc := func(b []byte) []byte {
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
		return b
	}
	damage := map[string]struct {
		f   func([]byte) []byte
		why string
	}{
		"checksum":  {func(b []byte) []byte { b[mnistHeader+100] ^= 0x40; return b }, "fails its checksum"},
		"truncated": {func(b []byte) []byte { return b[:len(b)-1000] }, "has the wrong length"},
		"extra":     {func(b []byte) []byte { return append(b, 0) }, "has the wrong length"},
		"header":    {func(b []byte) []byte { return b[:mnistHeader-3] }, "is not a cache file of this version"},
		"empty":     {func(b []byte) []byte { return nil }, "cannot map 0 bytes"},
		"magic":     {func(b []byte) []byte { b[0] = 'X'; return b }, "is not a cache file of this version"},
		"version":   {func(b []byte) []byte { b[7] = 0; return b }, "is not a cache file of this version"},
		"key":       {func(b []byte) []byte { b[9] ^= 1; return b }, "belongs to other files"},
		"count":     {func(b []byte) []byte { b[43] = 0x7f; return b }, "has implausible sizes"},
		"height":    {func(b []byte) []byte { b[48] = 27; return b }, "has implausible sizes"},
		"label":     {func(b []byte) []byte { b[mnistHeader+5*784] = 10; return recrc(b) }, "holds a label that is not a digit"},
	}
	dir := tinyMNIST(t, 5, 3, 0)
	for name, d := range damage {
		t.Run(name, func(t *testing.T) {
			cache := isolateCache(t)
			want := loadTiny(t, dir)
			key, file := tinyKey(t, cache, dir)
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, d.f(b), 0o600); err != nil {
				t.Fatal(err)
			}
			forgetMapped()
			if train, _, err := readMNISTCache(file, key); train != nil || err == nil || !strings.Contains(err.Error(), d.why) {
				t.Fatalf("damaged file read: hit %v, error %v, want one saying %q", train != nil, err, d.why)
			}
			got := loadTiny(t, dir)
			if !sameData(want, got) {
				t.Error("data loaded past a damaged cache file differ from the files'")
			}
			forgetMapped()
			if train, _, err := readMNISTCache(file, key); train == nil || err != nil {
				t.Errorf("the cache file was not rewritten: %v", err)
			}
		})
	}
}

// TestMNISTCacheConcurrentWriters: processes that miss at once each write
// the file; readers meanwhile find a whole, valid file or none.
func TestMNISTCacheConcurrentWriters(t *testing.T) {
	cache := isolateCache(t)
	dir := tinyMNIST(t, 40, 10, 3)
	want := loadTiny(t, dir)
	key, file := tinyKey(t, cache, dir)
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	train := &mnistSplit{n: 40, h: 28, w: 28, pixels: want.Train.Pixels, labels: make([]byte, 40)}
	val := &mnistSplit{n: 10, h: 28, w: 28, pixels: want.Val.Pixels, labels: make([]byte, 10)}
	for i, l := range want.Train.Labels {
		train.labels[i] = byte(l)
	}
	for i, l := range want.Val.Labels {
		val.labels[i] = byte(l)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for range 4 {
		wg.Go(func() {
			for range 5 {
				if err := writeMNISTCache(file, key, train, val); err != nil {
					errs <- err.Error()
				}
			}
		})
		wg.Go(func() {
			for range 20 {
				b, release, err := mapFile(file)
				if err != nil {
					continue // not written yet
				}
				if _, _, why := parseMNISTCache(b, key); why != "" {
					errs <- "a reader saw a file that " + why
				}
				release()
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if names := cacheFileNames(t, cache); len(names) != 1 {
		t.Errorf("cache folder holds %v, want the one file", names)
	}
	forgetMapped()
	if got := loadTiny(t, dir); !sameData(want, got) {
		t.Error("the file the writers left differs from the data")
	}
}

// TestMNISTCachePrune: writing a cache file removes those unused for
// mnistCacheMaxAge, and only those.
func TestMNISTCachePrune(t *testing.T) {
	cache := isolateCache(t)
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-mnistCacheMaxAge - time.Hour)
	recent := time.Now().Add(-time.Hour)
	for name, when := range map[string]time.Time{"old" + mnistSuffix: old, ".tmp-1" + mnistSuffix: old, "recent" + mnistSuffix: recent, "other.txt": old} {
		p := filepath.Join(cache, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
	}
	loadTiny(t, tinyMNIST(t, 2, 1, 0))
	names := cacheFileNames(t, cache)
	kept := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "other.txt" || n == "recent"+mnistSuffix })
	if len(names) != 3 || len(kept) != 1 || !strings.HasSuffix(kept[0], mnistSuffix) || strings.HasPrefix(kept[0], ".tmp") {
		t.Errorf("after a write the cache folder holds %v, want other.txt, recent%s and the new file", names, mnistSuffix)
	}
}
