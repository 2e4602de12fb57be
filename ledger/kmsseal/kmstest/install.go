package kmstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Module and Version pin the local-kms build the tests run against.
const (
	Module  = "github.com/nsmithuk/local-kms"
	Version = "v0.0.0-20260228092603-2a5e92d09ab6"
)

var (
	installOnce sync.Once
	installPath string
	installErr  error
)

// Binary returns the path of the local-kms binary, installing it if needed.
// It skips the test when the install fails, or fails it if
// COFFER_REQUIRE_KMS is set.
func Binary(t testing.TB) string {
	t.Helper()
	installOnce.Do(func() { installPath, installErr = install() })
	if installErr != nil {
		if os.Getenv("COFFER_REQUIRE_KMS") != "" {
			t.Fatalf("kmstest: local-kms is required (COFFER_REQUIRE_KMS is set) but could not be installed: %v", installErr)
		}
		t.Skipf("kmstest: skipping, local-kms could not be installed (set COFFER_REQUIRE_KMS=1 to fail instead): %v", installErr)
	}
	return installPath
}

func install() (string, error) {
	if p := os.Getenv("COFFER_LOCAL_KMS"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("COFFER_LOCAL_KMS: %w", err)
		}
		return p, nil
	}
	cacheRoot, err := os.UserCacheDir()
	if err != nil {
		cacheRoot = os.TempDir()
	}
	dir := filepath.Join(cacheRoot, "coffer-test", "local-kms@"+Version)
	bin := filepath.Join(dir, exeName("local-kms"))
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	goTool, err := goBinary()
	if err != nil {
		return "", err
	}
	// Install into a private GOBIN and rename into place, so that test
	// binaries of several packages installing at once never see a
	// half-written file.
	tmp, err := os.MkdirTemp(dir, "install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command(goTool, "install", Module+"@"+Version)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s@%s: %w\n%s", Module, Version, err, out)
	}
	if err := os.Rename(filepath.Join(tmp, exeName("local-kms")), bin); err != nil {
		return "", err
	}
	return bin, nil
}

// goBinary finds the go command: on PATH, else in the toolchain that built
// this test.
func goBinary() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(runtime.GOROOT(), "bin", exeName("go"))
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", errors.New("no go command on PATH or in GOROOT")
}

func exeName(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}
