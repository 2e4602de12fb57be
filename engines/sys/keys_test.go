package sys

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
)

func TestAuditHash(t *testing.T) {
	e := start(t)
	b := body(t, e.ok(t, call{op: framework.UpdateOperation, path: "audit-hash/file", data: map[string]any{"input": "s3cret"}}))
	assert.Equal(t, e.ledger.Barrier().AuditHMAC("s3cret"), b["hash"], "the same HMAC the audit records carry")
	assert.Regexp(t, `^hmac-sha256:[0-9a-f]{64}$`, b["hash"])
	assert.Equal(t, map[string]any{"hash": b["hash"]}, b["data"])

	status, msgs := e.fails(t, call{op: framework.UpdateOperation, path: "audit-hash/file", data: map[string]any{}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, []string{`the "input" parameter is empty`}, msgs)
}

func TestKeyStatusAndRotate(t *testing.T) {
	e := start(t)
	b := body(t, e.ok(t, call{op: framework.ReadOperation, path: "key-status"}))
	assert.Equal(t, 1.0, b["term"])
	installed, err := time.Parse(time.RFC3339Nano, b["install_time"].(string))
	assert.NoError(t, err)
	assert.WithinDuration(t, time.Now(), installed, time.Minute)

	assert.Nil(t, e.ok(t, call{op: framework.UpdateOperation, path: "rotate"}), "rotate answers 204")
	b = body(t, e.ok(t, call{op: framework.ReadOperation, path: "key-status"}))
	assert.Equal(t, 2.0, b["term"])
}

// TestSudoPaths: the sys paths Vault's system backend lists as root paths
// need sudo here too, and its ordinary ones do not.
func TestSudoPaths(t *testing.T) {
	e := start(t)
	for _, p := range []string{"rotate", "auth/foo", "auth/foo/tune", "auth/"} {
		entry, _, err := e.backend.Match(p)
		require.NoError(t, err, p)
		assert.True(t, entry.Sudo, "sys/%s needs sudo", p)
	}
	for _, p := range []string{"mounts", "mounts/foo", "policies/acl/foo", "auth", "capabilities-self", "key-status"} {
		entry, _, err := e.backend.Match(p)
		require.NoError(t, err, p)
		assert.False(t, entry.Sudo, "Vault does not require sudo on sys/%s", p)
	}
}
