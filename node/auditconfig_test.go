package node

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/audit"
	"github.com/cofferhq/coffer/events/auditevent"
)

// TestAuditDevicesFromConfig (issue 10, item 12): as in Vault 1.20.1, the
// API enables no audit device unless the server config allows it; devices
// declared in the config run, are listed, and cannot be disabled through
// the API.
func TestAuditDevicesFromConfig(t *testing.T) {
	logDir := t.TempDir()
	logFile := filepath.Join(logDir, "audit.log")
	n := startNode(t, t.TempDir(), "root", func(c *Config) {
		c.Audit = audit.Config{Devices: []auditevent.Device{{Path: "declared", Type: "file", Options: map[string]string{"file_path": logFile}}}}
	})
	c := clientFor(t, n, "root")

	err := c.Sys().EnableAuditWithOptions("other", &vault.EnableAuditOptions{Type: "file", Options: map[string]string{"file_path": filepath.Join(logDir, "other.log")}})
	require.ErrorContains(t, err, "unsafe_allow_api_audit_creation")
	_, statErr := os.Stat(filepath.Join(logDir, "other.log"))
	require.ErrorIs(t, statErr, os.ErrNotExist)
	require.ErrorContains(t, c.Sys().DisableAudit("declared"), "unsafe_allow_api_audit_creation")

	list, err := c.Sys().ListAudit()
	require.NoError(t, err)
	require.Contains(t, list, "declared/")
	require.Equal(t, logFile, list["declared/"].Options["file_path"])

	// The declared device writes the audit trail of requests after start.
	_, err = c.Logical().Read("sys/mounts")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(logFile)
		return strings.Contains(string(b), `"sys/mounts"`)
	}, 10*time.Second, 20*time.Millisecond)
}

// TestAuditDeviceFilePathMustBePlain: with API enablement allowed, a
// file_path is a plain file in a directory that exists: no parents are
// created, and a symlink, a FIFO or a directory is refused.
func TestAuditDeviceFilePathMustBePlain(t *testing.T) {
	n := startNode(t, t.TempDir(), "root", func(c *Config) { c.Audit.AllowAPI = true })
	c := clientFor(t, n, "root")
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	require.NoError(t, os.WriteFile(target, nil, 0o600))
	require.NoError(t, os.Symlink(target, filepath.Join(dir, "link")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600))

	enable := func(name, fp string) error {
		return c.Sys().EnableAuditWithOptions(name, &vault.EnableAuditOptions{Type: "file", Options: map[string]string{"file_path": fp}})
	}
	for name, fp := range map[string]string{
		"parents": filepath.Join(dir, "made", "up", "audit.log"),
		"link":    filepath.Join(dir, "link"),
		"fifo":    filepath.Join(dir, "fifo"),
		"dir":     dir,
	} {
		err := enable(name, fp)
		require.ErrorContains(t, err, "plain file", name)
	}
	_, err := os.Stat(filepath.Join(dir, "made"))
	require.ErrorIs(t, err, os.ErrNotExist, "no parent directory may be created")

	require.NoError(t, enable("plain", filepath.Join(dir, "audit.log")))
	require.NoError(t, c.Sys().DisableAudit("plain"))
}
