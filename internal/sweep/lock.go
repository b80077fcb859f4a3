package sweep

import (
	"os"
	"path/filepath"
	"syscall"

	"github.com/exp-runner/exp/internal/checkpoint"
)

// lockPath is run id's lock file.
func lockPath(root string, id int64) string {
	return filepath.Join(checkpoint.TrialDir(root, id), "lock")
}

// tryLock takes the exclusive flock of run id's lock file without waiting.
// It returns the open file (the lock lives as long as it, or a duplicate
// held by a child process, stays open) or nil if another process holds it.
func tryLock(root string, id int64) (*os.File, error) {
	if err := os.MkdirAll(checkpoint.TrialDir(root, id), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(lockPath(root, id), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close() // opened only for its lock: nothing to lose
		if err == syscall.EWOULDBLOCK {
			return nil, nil
		}
		return nil, err
	}
	return f, nil
}

// HoldsLock reports whether the file open as fd holds the exclusive flock of
// run id's lock file (a child checks the lock its parent handed it).
func HoldsLock(fd uintptr, root string, id int64) bool {
	var st, want syscall.Stat_t
	if syscall.Fstat(int(fd), &st) != nil || syscall.Stat(lockPath(root, id), &want) != nil {
		return false
	}
	if st.Ino != want.Ino || st.Dev != want.Dev {
		return false
	}
	// Taking the lock again through the same open file succeeds only if it
	// is this file's lock (or free, in which case we now hold it).
	return syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
