package ledger

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuditHashIsNeverAStorageKey: issue 10, item 9. sys/audit-hash
// computes AuditHMAC of whatever a caller sends; before per-purpose keys,
// AuditHMAC("kv-path\x00<mount>/<path>") was the KV path index's key.
func TestAuditHashIsNeverAStorageKey(t *testing.T) {
	for _, derive := range []int{0, deriveHKDF} {
		rec := newKeyringRecord()
		rec.Derive = derive
		b, err := newBarrier(rec)
		require.NoError(t, err)
		for _, purpose := range []string{"kv-path", "token", "accessor", "sys-uuid"} {
			storage := "hmac-sha256:" + hex.EncodeToString(b.HMAC(purpose, "acc/secret/name"))
			assert.NotEqual(t, storage, b.AuditHMAC(purpose+"\x00acc/secret/name"), "derive=%d purpose=%s", derive, purpose)
			assert.NotEqual(t, storage, b.AuditHMAC("acc/secret/name"), "derive=%d purpose=%s", derive, purpose)
		}
		assert.NotEqual(t, b.HMAC("token", "x"), b.HMAC("accessor", "x"), "purposes are separate")
	}
}

// TestLegacyKeyringKeepsItsKeys: a keyring made before per-purpose keys
// names things as it always did (its projections and events hold those
// names) and audit-hashes ordinary values as before.
func TestLegacyKeyringKeepsItsKeys(t *testing.T) {
	rec := newKeyringRecord()
	rec.Derive = 0
	b, err := newBarrier(rec)
	require.NoError(t, err)
	m := hmac.New(sha256.New, rec.AuditKey)
	m.Write([]byte("kv-path\x00acc/p"))
	assert.Equal(t, m.Sum(nil), b.HMAC("kv-path", "acc/p"))
	m = hmac.New(sha256.New, rec.AuditKey)
	m.Write([]byte("value"))
	assert.Equal(t, "hmac-sha256:"+hex.EncodeToString(m.Sum(nil)), b.AuditHMAC("value"))
	assert.Equal(t, deriveHKDF, newKeyringRecord().Derive, "new keyrings derive per purpose")
	assert.Equal(t, deriveHKDF, newKeyringRecord().withNewTerm().Derive, "rotation keeps the derivation")
}
