package serve

import (
	"context"
	"sync"
	"time"
)

// versionMaxAge is how long a data version read is reused: requests in the
// same fraction of a second share one read, and none waits for the
// database while another reads it.
const versionMaxAge = 200 * time.Millisecond

// versionReader reads the data version at most every versionMaxAge. While
// one read runs, other callers get the last value (once there is one).
type versionReader struct {
	read func(ctx context.Context) (string, error)

	mu      sync.Mutex
	last    string
	at      time.Time
	reading bool
}

// version returns a recent data version.
func (vr *versionReader) version(ctx context.Context) (string, error) {
	vr.mu.Lock()
	if vr.last != "" && (vr.reading || time.Since(vr.at) < versionMaxAge) {
		v := vr.last
		vr.mu.Unlock()
		return v, nil
	}
	vr.reading = true
	vr.mu.Unlock()
	v, err := vr.read(ctx)
	vr.mu.Lock()
	defer vr.mu.Unlock()
	vr.reading = false
	if err != nil {
		return "", err
	}
	vr.last, vr.at = v, time.Now()
	return v, nil
}
