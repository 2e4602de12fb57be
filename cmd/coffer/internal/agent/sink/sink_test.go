package sink

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
)

func TestWriteEverySinkWithItsMode(t *testing.T) {
	dir := t.TempDir()
	sinks := []config.Sink{
		{Type: "file", Path: filepath.Join(dir, "a", "token"), Mode: 0o600},
		{Type: "file", Path: filepath.Join(dir, "b"), Mode: 0o640},
	}
	if err := Write(sinks, "hvs.first"); err != nil {
		t.Fatal(err)
	}
	if err := Write(sinks, "hvs.second"); err != nil {
		t.Fatal(err)
	}
	for _, s := range sinks {
		b, err := os.ReadFile(s.Path)
		if err != nil || string(b) != "hvs.second" {
			t.Fatalf("%s: %q %v", s.Path, b, err)
		}
		fi, _ := os.Stat(s.Path)
		if fi.Mode().Perm() != s.Mode {
			t.Fatalf("%s: mode %v, want %v", s.Path, fi.Mode().Perm(), s.Mode)
		}
	}
	bad := []config.Sink{{Type: "file", Path: dir, Mode: 0o600}, sinks[0]}
	if err := Write(bad, "hvs.third"); err == nil {
		t.Fatal("writing over a directory succeeded")
	}
	if b, _ := os.ReadFile(sinks[0].Path); string(b) != "hvs.third" {
		t.Fatal("a failing sink stopped the others")
	}
}
