package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// LocalLock keeps two net2booking processes on one machine (two `run`s, or a `run` and a
// one-off `sync`) from writing to the same Net2 site at once (DESIGN invariant 9); the lease
// in Net2 (net2.Lease) does the same across machines. It is an OS file lock
// (github.com/gofrs/flock: flock on Unix, LockFileEx on Windows), released by the OS when the
// process ends however it ends, so a crash never leaves it behind. The file says who holds it,
// for the message of the process that waits.
type LocalLock struct {
	path string
	fl   *flock.Flock
}

// TryLocalLock takes the lock at path (the directory is created) without waiting. When
// another process holds it, it returns nil and what that process wrote ("run, host pid 4242,
// since 2026-12-01T09:00:00Z").
func TryLocalLock(path, mode, name string, now time.Time) (*LocalLock, string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, "", fmt.Errorf("lock file %s: %w", path, err)
	}
	fl := flock.New(path)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, "", fmt.Errorf("lock file %s: %w", path, err)
	}
	if !ok {
		b, _ := os.ReadFile(path + ".holder")
		holder := strings.TrimSpace(string(b))
		if holder == "" {
			holder = "another net2booking process"
		}
		return nil, holder, nil
	}
	info := fmt.Sprintf("%s, %s, since %s", mode, name, now.UTC().Format(time.RFC3339))
	if err := os.WriteFile(path+".holder", []byte(info+"\n"), 0o644); err != nil {
		fl.Unlock()
		return nil, "", fmt.Errorf("lock file %s: %w", path, err)
	}
	return &LocalLock{path: path, fl: fl}, "", nil
}

// Unlock releases the lock.
func (l *LocalLock) Unlock() error {
	if l == nil {
		return nil
	}
	os.Remove(l.path + ".holder")
	return l.fl.Unlock()
}

// HolderIsRun reports whether a holder description is of a running service.
func HolderIsRun(holder string) bool { return strings.HasPrefix(holder, "run,") }

// ErrLocked reports that another process holds the local lock.
var ErrLocked = errors.New("another net2booking process writes to this Net2 site from this machine")
