package testpg

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSweepRemovesClustersOfDeadTestProcesses(t *testing.T) {
	c, err := start()
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(c.destroy)

	// A process that has exited owns the cluster now.
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	require.NoError(t, os.WriteFile(filepath.Join(c.Dir, ownerPIDFile), []byte(strconv.Itoa(dead.Process.Pid)), 0o644))
	pidFile := filepath.Join(c.dataDir(), "postmaster.pid")
	_, err = os.Stat(pidFile)
	require.NoError(t, err, "server running")

	// A cluster of a live process (this one) survives the sweep.
	live, err := start()
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(live.destroy)

	sweepOnce = sync.Once{}
	sweepOrphans(c.binDir, c.owner)

	_, err = os.Stat(c.Dir)
	assert.True(t, os.IsNotExist(err), "orphan removed: %v", err)
	_, err = os.Stat(filepath.Join(live.dataDir(), "postmaster.pid"))
	assert.NoError(t, err, "live cluster untouched")
}

// TestMissingBinaries runs this test binary again without PostgreSQL
// binaries: the tests skip, unless COFFER_REQUIRE_PG is set, when they fail.
func TestMissingBinaries(t *testing.T) {
	if os.Getenv("TESTPG_CHILD") == "1" {
		Start(t)
		t.Fatal("Start returned without PostgreSQL binaries")
	}
	run := func(env ...string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingBinaries$", "-test.v")
		cmd.Env = append(os.Environ(), append([]string{"TESTPG_CHILD=1", "COFFER_PG_BINDIR=" + t.TempDir()}, env...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := run("COFFER_REQUIRE_PG=")
	require.NoError(t, err, out)
	assert.Contains(t, out, "--- SKIP")
	assert.Contains(t, out, "postgresql-15")

	out, err = run("COFFER_REQUIRE_PG=1")
	require.Error(t, err, out)
	assert.Contains(t, out, "--- FAIL")
	assert.Contains(t, out, "PostgreSQL binaries (initdb, pg_ctl) not found")
}
