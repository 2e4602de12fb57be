package fileutil

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteAtomicReplacesAndReportsChange(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "secret")
	changed, err := WriteAtomic(path, []byte("one"), 0o600, true)
	if err != nil || !changed {
		t.Fatalf("first write: changed=%v err=%v", changed, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v %v", fi.Mode(), err)
	}
	if changed, err := WriteAtomic(path, []byte("one"), 0o600, true); err != nil || changed {
		t.Fatalf("same content: changed=%v err=%v", changed, err)
	}
	if changed, err := WriteAtomic(path, []byte("one"), 0o640, true); err != nil || !changed {
		t.Fatalf("new mode: changed=%v err=%v", changed, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode not updated: %v", fi.Mode())
	}
	if _, err := WriteAtomic(path, []byte("two"), 0o640, false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Fatalf("content %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestWriteAtomicRefusesDirectoryAndMissingParent(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteAtomic(dir, []byte("x"), 0o600, false); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("want ErrNotRegular, got %v", err)
	}
	if _, err := WriteAtomic(filepath.Join(dir, "no", "such", "f"), []byte("x"), 0o600, false); err == nil {
		t.Fatal("write into a missing directory without mkdirs succeeded")
	}
}
