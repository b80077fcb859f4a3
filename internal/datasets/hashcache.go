package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/exp-runner/exp/internal/contenthash"
	"github.com/exp-runner/exp/internal/images"
)

// hashEntries returns contenthash.Files of the entries' files. Reading
// every image again would cost a second run's start most of its time, so
// the hash is kept in the user's cache folder under a key of the files'
// paths, sizes and modification times (the decoded cache's key), and
// computed only when that key is new.
func hashEntries(ctx context.Context, entries []images.Entry) (string, error) {
	k := sha256.New()
	paths := make([]string, len(entries))
	for i, e := range entries {
		paths[i] = e.Path
		fmt.Fprintf(k, "%s\x00%d\x00%d\n", e.Path, e.Size, e.ModTime)
	}
	file := hashCacheFile(hex.EncodeToString(k.Sum(nil)))
	if file != "" {
		if b, err := os.ReadFile(file); err == nil && validHash.Match(b) {
			return string(b), nil
		}
	}
	sum, err := contenthash.Files(ctx, paths...)
	if err != nil {
		return "", err
	}
	if file != "" {
		writeAtomic(file, []byte(sum)) // a cache that cannot be written costs time only
	}
	return sum, nil
}

var validHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// hashCacheFile is the cache file for key, or "" when the user has no
// cache folder.
func hashCacheFile(key string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "exp", "hashes", key)
}

// writeAtomic writes b to file through a temporary file in its folder and
// a rename, so that concurrent readers see the whole file or none; errors
// leave no file behind and are not reported.
func writeAtomic(file string, b []byte) {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if werr != nil || serr != nil || cerr != nil || os.Rename(tmp.Name(), file) != nil {
		_ = os.Remove(tmp.Name()) // nothing else to do about a failed cache write
	}
}
