package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// sumsFile lists, beside a checkpoint exp wrote, the CRC-32C of its
// description and data files, so that a damaged file (bytes overwritten,
// truncated, replaced) is found before it is used: GoMLX's uncompressed
// data format has no header of its own to check. Checkpoints written
// before it existed have none, and load as before.
const sumsFile = "crc32c.json"

// maxSumsBytes bounds the sums file read.
const maxSumsBytes = 64 << 10

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// writeSums writes dir's sums file: the CRC-32C of each of its checkpoint
// files (GoMLX's description and data).
func writeSums(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	sums := map[string]uint32{}
	for _, e := range entries {
		if name := e.Name(); strings.HasPrefix(name, ckptPrefix) {
			if sums[name], err = fileCRC(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	b, err := json.Marshal(sums)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, sumsFile), b, 0o644)
}

// checkSums verifies the files of the checkpoint folder dir against its
// sums file, if it has one: every listed file must exist and match.
func checkSums(dir string, files []string) error {
	var sums map[string]uint32
	err := readJSON(filepath.Join(dir, sumsFile), maxSumsBytes, &sums)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // written before sums existed
	case err != nil:
		return err
	}
	for _, name := range files {
		want, ok := sums[name]
		if !ok {
			if strings.HasPrefix(name, ckptPrefix) {
				return fmt.Errorf("%s: %s does not list it: the checkpoint is not the one saved", filepath.Join(dir, name), sumsFile)
			}
			continue
		}
		got, err := fileCRC(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("%s: its CRC-32C is %08x, but %08x was saved with it (%s): the file is corrupt", filepath.Join(dir, name), got, want, sumsFile)
		}
	}
	return nil
}

// fileCRC returns the CRC-32C of the regular file at path.
func fileCRC(path string) (uint32, error) {
	f, _, err := openRegular(path)
	if err != nil {
		return 0, err
	}
	defer f.Close() // read only: closing cannot lose data
	h := crc32.New(castagnoli)
	if _, err := io.Copy(h, f); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return h.Sum32(), nil
}
