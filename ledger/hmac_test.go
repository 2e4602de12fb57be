package ledger

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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

// TestPooledMACsMatchFreshOnes: the pooled HMAC states (keyedMAC) are
// reset between values, from many goroutines at once: every hash equals
// one computed with a fresh hmac.New.
func TestPooledMACsMatchFreshOnes(t *testing.T) {
	b, err := newBarrier(newKeyringRecord())
	require.NoError(t, err)
	fresh := func(key []byte, s string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 200 {
				v := fmt.Sprintf("value-%d-%d", g, i)
				assert.Equal(t, "hmac-sha256:"+hex.EncodeToString(fresh(b.hkdfAudit, v)), b.AuditHMAC(v))
				assert.Equal(t, fresh(derivedKey(b.auditKey, "coffer hmac token"), v), b.HMAC("token", v))
			}
		}()
	}
	for range 4 {
		<-done
	}
}

// BenchmarkAuditHMAC hashes a token-sized value as AuditHMAC did before
// its states were pooled (hmac.New per call) and as it does now.
func BenchmarkAuditHMAC(b *testing.B) {
	bar, err := newBarrier(newKeyringRecord())
	require.NoError(b, err)
	const v = "hvs.CAESIJ1bench0token0value0of0a0realistic0length"
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := hmac.New(sha256.New, bar.hkdfAudit)
			m.Write([]byte(v))
			_ = "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
		}
	})
	b.Run("pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = bar.AuditHMAC(v)
		}
	})
}
