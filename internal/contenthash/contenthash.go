package contenthash

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	"github.com/exp-runner/exp/internal/infile"
)

// Files returns the hex SHA-256 identity of the files at paths, in the order
// given: the SHA-256 of the sequence of (content length, content SHA-256) of
// each file, so moving bytes from one file to the next changes the result.
// Files are streamed, never held in memory whole. A single file's identity
// is therefore not the plain sha256sum of it; use File for that. Hashing
// stops with ctx's error once ctx is done.
func Files(ctx context.Context, paths ...string) (string, error) {
	if len(paths) == 0 {
		return "", fmt.Errorf("contenthash: no files")
	}
	outer := sha256.New()
	for _, p := range paths {
		sum, n, err := fileSum(ctx, p)
		if err != nil {
			return "", err
		}
		var size [8]byte
		binary.LittleEndian.PutUint64(size[:], uint64(n))
		outer.Write(size[:]) // hash.Hash.Write never fails
		outer.Write(sum)
	}
	return hex.EncodeToString(outer.Sum(nil)), nil
}

// File returns the hex SHA-256 of the file at path, as sha256sum prints it.
func File(path string) (string, error) {
	sum, _, err := fileSum(context.Background(), path)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(sum), nil
}

func fileSum(ctx context.Context, path string) (sum []byte, n int64, err error) {
	f, err := infile.Open(ctx, path, 0)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close() // read-only: a close error loses nothing
	var h hash.Hash = sha256.New()
	n, err = io.Copy(h, f)
	if ctx.Err() != nil {
		return nil, 0, ctx.Err()
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return h.Sum(nil), n, nil
}
