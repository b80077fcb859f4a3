package images

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func cacheFiles(t *testing.T, dir string) []string {
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

func TestCacheRoundTrip(t *testing.T) {
	root, cache := t.TempDir(), t.TempDir()
	writeImage(t, root, "a/1.png", grayImage(1, 2, 1, 2))
	p := writeImage(t, root, "b/1.png", grayImage(1, 2, 3, 4))
	opts := Options{CacheDir: cache}

	first := load(t, root, ScanOptions{}, opts)
	if first.CacheHit || first.CacheErr != nil {
		t.Fatalf("first load: hit %v, err %v", first.CacheHit, first.CacheErr)
	}
	files := cacheFiles(t, cache)
	if len(files) != 1 || !strings.HasSuffix(files[0], ".u8") {
		t.Fatalf("cache folder holds %v, want one .u8 file and no temporary file", files)
	}
	second := load(t, root, ScanOptions{}, opts)
	if !second.CacheHit || second.CacheErr != nil || !slices.Equal(second.Pix, first.Pix) ||
		second.H != 1 || second.W != 2 || second.C != 1 || !slices.Equal(second.Labels, first.Labels) {
		t.Fatalf("second load: hit %v, err %v, pixels %v (want %v)", second.CacheHit, second.CacheErr, second.Pix, first.Pix)
	}

	// Other decoding options are another key.
	if s := load(t, root, ScanOptions{}, Options{CacheDir: cache, Color: RGB}); s.CacheHit || s.C != 3 {
		t.Errorf("rgb after auto: hit %v, %d channels", s.CacheHit, s.C)
	}
	// A changed file is another key, even at the same size.
	writeImage(t, root, "b/1.png", grayImage(1, 2, 5, 6))
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	if s := load(t, root, ScanOptions{}, opts); s.CacheHit || !slices.Equal(s.Pix, []uint8{1, 2, 5, 6}) {
		t.Errorf("after a change: hit %v, pixels %v", s.CacheHit, s.Pix)
	}
}

func TestCacheCorruptIsRewritten(t *testing.T) {
	root := t.TempDir()
	writeImage(t, root, "a/1.png", grayImage(2, 2, 1, 2, 3, 4))
	writeImage(t, root, "a/2.png", grayImage(2, 2, 5, 6, 7, 8))
	damage := map[string]func([]byte) []byte{
		"checksum":  func(b []byte) []byte { b[cacheHeader+1] ^= 0xff; return b },
		"length":    func(b []byte) []byte { return b[:len(b)-3] },
		"magic":     func(b []byte) []byte { b[0] = 'X'; return b },
		"key":       func(b []byte) []byte { b[9] ^= 1; return b },
		"dimension": func(b []byte) []byte { b[44] = 3; return b },
	}
	want := []uint8{1, 2, 3, 4, 5, 6, 7, 8}
	for name, f := range damage {
		t.Run(name, func(t *testing.T) {
			cache := t.TempDir()
			opts := Options{CacheDir: cache}
			load(t, root, ScanOptions{}, opts)
			file := filepath.Join(cache, cacheFiles(t, cache)[0])
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, f(b), 0o644); err != nil {
				t.Fatal(err)
			}
			s := load(t, root, ScanOptions{}, opts)
			if s.CacheHit || s.CacheErr == nil || !strings.Contains(s.CacheErr.Error(), file) || !slices.Equal(s.Pix, want) {
				t.Fatalf("damaged cache: hit %v, err %v, pixels %v", s.CacheHit, s.CacheErr, s.Pix)
			}
			if s := load(t, root, ScanOptions{}, opts); !s.CacheHit || s.CacheErr != nil || !slices.Equal(s.Pix, want) {
				t.Errorf("after rewriting: hit %v, err %v, pixels %v", s.CacheHit, s.CacheErr, s.Pix)
			}
		})
	}
}

func TestCacheUnwritableStillLoads(t *testing.T) {
	root := t.TempDir()
	writeImage(t, root, "a/1.png", grayImage(1, 1, 7))
	blocker := writeFile(t, t.TempDir(), "file", "a file where the cache folder should be")
	l, err := Scan(context.Background(), root, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(context.Background(), l, Options{CacheDir: filepath.Join(blocker, "cache")})
	if err != nil || s.Pix[0] != 7 || s.CacheErr == nil || !strings.Contains(s.CacheErr.Error(), "decoded cache not written") {
		t.Errorf("unwritable cache: err %v, cache err %v", err, s.CacheErr)
	}
}

func TestCacheSharedByConcurrentLoads(t *testing.T) {
	root, cache := t.TempDir(), t.TempDir()
	for i := range 6 {
		writeImage(t, root, fmt.Sprintf("c%d/%d.png", i%2, i), uniformGray(4, 4, uint8(40*i)))
	}
	l, err := Scan(context.Background(), root, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Load(context.Background(), l, Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := Load(context.Background(), l, Options{CacheDir: cache, Workers: 1})
			if err == nil && (s.CacheErr != nil || !slices.Equal(s.Pix, want.Pix)) {
				err = fmt.Errorf("cache error %v, pixels equal %v", s.CacheErr, slices.Equal(s.Pix, want.Pix))
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if files := cacheFiles(t, cache); len(files) != 1 {
		t.Errorf("cache folder holds %v, want one file", files)
	}
	if s := load(t, root, ScanOptions{}, Options{CacheDir: cache}); !s.CacheHit || !slices.Equal(s.Pix, want.Pix) {
		t.Errorf("after concurrent writers: hit %v", s.CacheHit)
	}
}

func TestCachePrunesUnusedFiles(t *testing.T) {
	root, cache := t.TempDir(), t.TempDir()
	writeImage(t, root, "a/1.png", uniformGray(1, 1, 3))
	old := writeFile(t, cache, "0123.u8", "an old cache file")
	recent := writeFile(t, cache, "4567.u8", "a recent one")
	other := writeFile(t, cache, "notes.txt", "not ours")
	long := time.Now().Add(-CacheMaxAge - time.Hour)
	for _, p := range []string{old, other} {
		if err := os.Chtimes(p, long, long); err != nil {
			t.Fatal(err)
		}
	}
	load(t, root, ScanOptions{}, Options{CacheDir: cache})
	for p, kept := range map[string]bool{old: false, recent: true, other: true} {
		if _, err := os.Stat(p); (err == nil) != kept {
			t.Errorf("%s: kept %v, want %v", filepath.Base(p), err == nil, kept)
		}
	}
}
