// Package fileutil writes files the way the agent's readers need them: a
// reader sees either the old content or the new one, never a half-written
// file, and the mode is right from the first byte.
package fileutil

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNotRegular reports a destination that exists but is not a regular
// file (a directory, a device): the agent never replaces one.
var ErrNotRegular = errors.New("fileutil: destination is not a regular file")

// WriteAtomic writes data to path through a temporary file in the same
// directory (created with mode, fsynced, then renamed over path), so the
// file is replaced in one step. With mkdirs the parent directories are
// created (0755). It reports whether the content changed: when path
// already holds data with the same mode, nothing is written.
func WriteAtomic(path string, data []byte, mode os.FileMode, mkdirs bool) (changed bool, err error) {
	if fi, err := os.Lstat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return false, fmt.Errorf("%w: %s", ErrNotRegular, path)
		}
		if fi.Mode().Perm() == mode.Perm() {
			if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
				return false, nil
			}
		}
	}
	dir := filepath.Dir(path)
	if mkdirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, fmt.Errorf("fileutil: create %s: %w", dir, err)
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("fileutil: %w", err)
	}
	name := tmp.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(name)
		}
	}()
	if err = tmp.Chmod(mode.Perm()); err != nil {
		tmp.Close()
		return false, fmt.Errorf("fileutil: chmod %s: %w", name, err)
	}
	if _, err = tmp.Write(data); err != nil {
		tmp.Close()
		return false, fmt.Errorf("fileutil: write %s: %w", name, err)
	}
	if err = tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("fileutil: sync %s: %w", name, err)
	}
	if err = tmp.Close(); err != nil {
		return false, fmt.Errorf("fileutil: close %s: %w", name, err)
	}
	if err = os.Rename(name, path); err != nil {
		return false, fmt.Errorf("fileutil: rename to %s: %w", path, err)
	}
	return true, nil
}
