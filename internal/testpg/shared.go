package testpg

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

const (
	clusterDirPrefix = "coffer-pg-"
	ownerPIDFile     = "owner.pid"
)

// shared is the package-wide cluster of a test binary that called Main.
var shared struct {
	mu      sync.Mutex
	enabled bool // Main is running the tests
	cluster *Cluster
	err     error
}

// Main runs a test package's tests and then tears down the cluster Shared
// started, if any. Call it from TestMain.
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.enabled = true
	shared.mu.Unlock()

	code := m.Run()

	shared.mu.Lock()
	if shared.cluster != nil {
		shared.cluster.destroy()
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// Shared returns the test binary's shared cluster, starting it on first use,
// and restarting it if a test left it stopped. Without Main (nothing would
// tear a shared cluster down) it falls back to Start(t).
func Shared(t testing.TB) *Cluster {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.enabled {
		t.Log("testpg: Shared without testpg.Main in TestMain; starting a cluster for this test only")
		return Start(t)
	}
	if shared.cluster == nil && shared.err == nil {
		shared.cluster, shared.err = start()
	}
	if shared.err != nil {
		fail(t, shared.err)
	}
	if err := shared.cluster.Start(); err != nil {
		t.Fatal(err)
	}
	return shared.cluster
}

var sweepOnce sync.Once

// sweepOrphans stops and removes clusters left behind by test processes that
// died without cleaning up (a timeout panic, kill -9): their owner.pid names
// a process that no longer exists.
func sweepOrphans(binDir string, own owner) {
	sweepOnce.Do(func() {
		dirs, _ := filepath.Glob(filepath.Join(tempRoot(own), clusterDirPrefix+"*"))
		for _, dir := range dirs {
			b, err := os.ReadFile(filepath.Join(dir, ownerPIDFile))
			if err != nil {
				continue
			}
			pid, err := strconv.Atoi(string(b))
			if err != nil || pid <= 0 || processAlive(pid) {
				continue
			}
			orphan := &Cluster{Dir: dir, binDir: binDir, owner: own, running: true}
			orphan.destroy()
		}
	})
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
