package transit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/ledger"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

func intp(v int) *int                     { return &v }
func boolp(v bool) *bool                  { return &v }
func durp(v time.Duration) *time.Duration { return &v }
func rec(v int) transitevent.VersionRecord {
	return transitevent.VersionRecord{Version: v, CreatedTime: t0, Material: []byte{1, 2, 3}}
}
func payload[T any](t *testing.T, e ledger.Event) T {
	t.Helper()
	var out T
	require.NoError(t, json.Unmarshal(e.Data, &out))
	return out
}

// key returns a key with versions 1..latest, the given config and data key "dk1".
func key(latest int, cfg transitevent.Config) *transitevent.Key {
	k := &transitevent.Key{Name: "k", Type: string(AES256GCM96), Config: cfg, LatestVersion: latest, DataKey: "dk1", Versions: map[int]transitevent.VersionInfo{}}
	for v := 1; v <= latest; v++ {
		k.Versions[v] = transitevent.VersionInfo{CreatedTime: t0.Add(time.Duration(v) * time.Hour)}
	}
	return k
}

func state(k *transitevent.Key, version uint64) State {
	return State{Mount: "m1", Name: "k", Key: k, Version: version, Now: t0}
}

func TestCreateKeyValidate(t *testing.T) {
	tests := []struct {
		name string
		c    CreateKey
		msg  string
	}{
		{"aes256", CreateKey{Type: AES256GCM96}, ""},
		{"derived convergent chacha", CreateKey{Type: ChaCha20Poly1305, Derived: true, Convergent: true}, ""},
		{"derived ed25519", CreateKey{Type: Ed25519, Derived: true}, ""},
		{"hmac with size", CreateKey{Type: HMAC, KeySize: 64}, ""},
		{"auto rotate of a day", CreateKey{Type: AES128GCM96, AutoRotatePeriod: 24 * time.Hour}, ""},
		{"unknown type", CreateKey{Type: "aes512-gcm"}, "unknown key type aes512-gcm"},
		{"short auto rotate", CreateKey{Type: AES256GCM96, AutoRotatePeriod: 30 * time.Minute}, "auto rotate period must be 0 to disable or at least an hour"},
		{"convergent without derived", CreateKey{Type: AES256GCM96, Convergent: true}, "convergent encryption requires derivation to be enabled"},
		{"key size on aes", CreateKey{Type: AES256GCM96, KeySize: 32}, "key_size is not valid for algorithm aes256-gcm96"},
		{"hmac key too small", CreateKey{Type: HMAC, KeySize: 16}, "invalid key_size 16"},
		{"hmac key too large", CreateKey{Type: HMAC, KeySize: 513}, "invalid key_size 513"},
		{"derived ecdsa", CreateKey{Type: ECDSAP256, Derived: true}, "key derivation and convergent encryption not supported for keys of type ecdsa-p256"},
		{"derived rsa", CreateKey{Type: RSA2048, Derived: true}, "key derivation and convergent encryption not supported for keys of type rsa-2048"},
		{"convergent ed25519", CreateKey{Type: Ed25519, Derived: true, Convergent: true}, "convergent encryption not supported for keys of type ed25519"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.msg == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			assert.Equal(t, "transit: "+tt.msg, err.Error(), "package-prefixed; the client sees the message after the prefix")
		})
	}
}

func TestDecideCreate(t *testing.T) {
	t.Run("new key after a deleted one continues the aggregate", func(t *testing.T) {
		events, err := DecideCreate(state(nil, 7), CreateKey{Type: ChaCha20Poly1305, Derived: true, Convergent: true, Exportable: true}, "dk9", rec(1))
		require.NoError(t, err)
		require.Len(t, events, 1)
		e := events[0]
		assert.Equal(t, transitevent.EventKeyCreated, e.Type)
		assert.Equal(t, transitevent.AggregateKind, e.Kind)
		assert.Equal(t, "m1/k", e.Aggregate)
		assert.Equal(t, uint64(8), e.Version)
		p := payload[transitevent.KeyCreated](t, e)
		assert.Equal(t, "chacha20-poly1305", p.Type)
		assert.Equal(t, "dk9", p.DataKey)
		assert.Equal(t, transitevent.KDFHKDFSHA256, p.KDF)
		assert.Equal(t, ConvergentVersion, p.ConvergentVersion)
		assert.Equal(t, 1, p.Config.MinDecryptionVersion)
		assert.True(t, p.Config.Exportable)
		assert.Equal(t, []byte{1, 2, 3}, p.First.Material)
	})
	t.Run("hmac gets the default size", func(t *testing.T) {
		events, err := DecideCreate(state(nil, 0), CreateKey{Type: HMAC}, "dk1", rec(1))
		require.NoError(t, err)
		assert.Equal(t, HMACDefaultKeySize, payload[transitevent.KeyCreated](t, events[0]).KeySize)
	})
	t.Run("existing key", func(t *testing.T) {
		_, err := DecideCreate(state(key(1, transitevent.Config{MinDecryptionVersion: 1}), 1), CreateKey{Type: AES256GCM96}, "dk2", rec(1))
		require.ErrorIs(t, err, ErrKeyExists)
	})
	t.Run("invalid request", func(t *testing.T) {
		_, err := DecideCreate(state(nil, 0), CreateKey{Type: "des"}, "dk2", rec(1))
		require.ErrorIs(t, err, ErrInvalid)
	})
	t.Run("material for another version", func(t *testing.T) {
		_, err := DecideCreate(state(nil, 0), CreateKey{Type: AES256GCM96}, "dk2", rec(2))
		require.ErrorIs(t, err, ErrStale)
	})
}

func TestDecideRotate(t *testing.T) {
	k := key(2, transitevent.Config{MinDecryptionVersion: 1})
	tests := []struct {
		name    string
		st      State
		next    transitevent.VersionRecord
		dk      string
		wantErr error
	}{
		{"missing key", state(nil, 3), rec(1), "dk1", ErrNotFound},
		{"next is not latest+1", state(k, 2), rec(2), "dk1", ErrStale},
		{"sealed under another data key", state(k, 2), rec(3), "dk0", ErrStale},
		{"rotates", state(k, 2), rec(3), "dk1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := DecideRotate(tt.st, tt.next, tt.dk, false)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, events, 1)
			assert.Equal(t, uint64(3), events[0].Version)
			p := payload[transitevent.KeyRotated](t, events[0])
			assert.Equal(t, 3, p.Next.Version)
			assert.False(t, p.Auto)
		})
	}
}

func TestAutoRotation(t *testing.T) {
	k := key(2, transitevent.Config{MinDecryptionVersion: 1, AutoRotatePeriod: 24 * time.Hour})
	latest := k.LatestCreated()
	assert.False(t, DueForRotation(k, latest.Add(23*time.Hour)))
	assert.True(t, DueForRotation(k, latest.Add(24*time.Hour)))
	assert.False(t, DueForRotation(key(2, transitevent.Config{}), latest.Add(1000*time.Hour)), "no period, no rotation")
	assert.False(t, DueForRotation(nil, latest))

	st := state(k, 2)
	st.Now = latest.Add(time.Hour)
	events, err := DecideAutoRotate(st, rec(3), "dk1")
	require.NoError(t, err)
	assert.Empty(t, events, "not due")

	st.Now = latest.Add(25 * time.Hour)
	events, err = DecideAutoRotate(st, rec(3), "dk1")
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.True(t, payload[transitevent.KeyRotated](t, events[0]).Auto)

	events, err = DecideAutoRotate(state(nil, 4), rec(1), "dk1")
	require.NoError(t, err)
	assert.Empty(t, events, "deleted meanwhile")
}

func TestDecideConfig(t *testing.T) {
	base := transitevent.Config{MinDecryptionVersion: 1}
	tests := []struct {
		name     string
		k        *transitevent.Key
		c        ConfigChange
		msg      string
		want     *transitevent.Config // nil: no event
		warnings []string
	}{
		{name: "missing key", k: nil, c: ConfigChange{DeletionAllowed: boolp(true)}, msg: "no existing key named k could be found"},
		{name: "allow deletion", k: key(1, base), c: ConfigChange{DeletionAllowed: boolp(true)},
			want: &transitevent.Config{MinDecryptionVersion: 1, DeletionAllowed: true}},
		{name: "nothing changes", k: key(1, base), c: ConfigChange{DeletionAllowed: boolp(false), MinDecryptionVersion: intp(1)}},
		{name: "raise min decryption", k: key(3, base), c: ConfigChange{MinDecryptionVersion: intp(2)},
			want: &transitevent.Config{MinDecryptionVersion: 2}},
		{name: "min decryption 0 is forced to 1", k: key(3, transitevent.Config{MinDecryptionVersion: 2}), c: ConfigChange{MinDecryptionVersion: intp(0)},
			want:     &transitevent.Config{MinDecryptionVersion: 1},
			warnings: []string{"since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1"}},
		{name: "min decryption above latest", k: key(2, base), c: ConfigChange{MinDecryptionVersion: intp(3)},
			msg: "cannot set min decryption version of 3, latest key version is 2"},
		{name: "negative min decryption", k: key(2, base), c: ConfigChange{MinDecryptionVersion: intp(-1)},
			msg: "min decryption version cannot be negative"},
		{name: "min encryption above latest", k: key(2, base), c: ConfigChange{MinEncryptionVersion: intp(5)},
			msg: "cannot set min encryption version of 5, latest key version is 2"},
		{name: "min encryption below min decryption", k: key(3, transitevent.Config{MinDecryptionVersion: 3}), c: ConfigChange{MinEncryptionVersion: intp(2)},
			msg: "cannot set min encryption/decryption values; min encryption version of 2 must be greater than or equal to min decryption version of 3"},
		{name: "exportable cannot be unset", k: key(1, transitevent.Config{MinDecryptionVersion: 1, Exportable: true}), c: ConfigChange{Exportable: boolp(false)}},
		{name: "exportable and backup set", k: key(1, base), c: ConfigChange{Exportable: boolp(true), AllowPlaintextBackup: boolp(true)},
			want: &transitevent.Config{MinDecryptionVersion: 1, Exportable: true, AllowPlaintextBackup: true}},
		{name: "auto rotate period", k: key(1, base), c: ConfigChange{AutoRotatePeriod: durp(48 * time.Hour)},
			want: &transitevent.Config{MinDecryptionVersion: 1, AutoRotatePeriod: 48 * time.Hour}},
		{name: "auto rotate too short", k: key(1, base), c: ConfigChange{AutoRotatePeriod: durp(time.Minute)},
			msg: "auto rotate period must be 0 to disable or at least an hour"},
		{name: "below the trimmed versions", k: func() *transitevent.Key {
			k := key(4, transitevent.Config{MinDecryptionVersion: 3, MinEncryptionVersion: 3})
			k.MinAvailableVersion = 3
			return k
		}(), c: ConfigChange{MinEncryptionVersion: intp(0)}, msg: "min encryption version should not be less than min available version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, warnings, err := DecideConfig(state(tt.k, 4), tt.c)
			if tt.msg != "" {
				require.ErrorIs(t, err, ErrInvalid)
				assert.Equal(t, "transit: "+tt.msg, err.Error(), "package-prefixed; the client sees the message after the prefix")
				assert.Empty(t, events)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.warnings, warnings)
			if tt.want == nil {
				assert.Empty(t, events)
				return
			}
			require.Len(t, events, 1)
			assert.Equal(t, uint64(5), events[0].Version)
			assert.Equal(t, *tt.want, payload[transitevent.KeyConfigChanged](t, events[0]).Config)
		})
	}
}

func TestValidateTrim(t *testing.T) {
	cfg := transitevent.Config{MinDecryptionVersion: 3, MinEncryptionVersion: 4}
	tests := []struct {
		name string
		k    *transitevent.Key
		min  int
		msg  string
	}{
		{"ok", key(5, cfg), 3, ""},
		{"min encryption unset", key(5, transitevent.Config{MinDecryptionVersion: 3}), 2, "minimum available version cannot be set when minimum encryption version is not set"},
		{"above min encryption", key(5, transitevent.Config{MinDecryptionVersion: 5, MinEncryptionVersion: 4}), 5, "minimum available version cannot be greater than minimum encryption version"},
		{"above min decryption", key(5, cfg), 4, "minimum available version cannot be greater than minimum decryption version"},
		{"zero", key(5, cfg), 0, "minimum available version should be positive"},
		{"decrement", func() *transitevent.Key { k := key(5, cfg); k.MinAvailableVersion = 2; return k }(), 1, "minimum available version cannot be decremented"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTrim(tt.k, tt.min)
			if tt.msg == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			assert.Equal(t, "transit: "+tt.msg, err.Error(), "package-prefixed; the client sees the message after the prefix")
		})
	}
}

func TestDecideTrim(t *testing.T) {
	k := key(4, transitevent.Config{MinDecryptionVersion: 3, MinEncryptionVersion: 3})
	st := state(k, 6)
	_, err := DecideTrim(st, 3, "dk2", []transitevent.VersionRecord{rec(3)})
	require.ErrorIs(t, err, ErrStale, "version 4 is missing")
	_, err = DecideTrim(st, 3, "dk1", []transitevent.VersionRecord{rec(3), rec(4)})
	require.ErrorIs(t, err, ErrStale, "re-sealed under the current data key")
	_, err = DecideTrim(state(nil, 6), 3, "dk2", nil)
	require.ErrorIs(t, err, ErrInvalid)

	events, err := DecideTrim(st, 3, "dk2", []transitevent.VersionRecord{rec(3), rec(4)})
	require.NoError(t, err)
	require.Len(t, events, 1)
	p := payload[transitevent.KeyTrimmed](t, events[0])
	assert.Equal(t, 3, p.MinAvailableVersion)
	assert.Equal(t, "dk2", p.DataKey)
	assert.Equal(t, "dk1", p.RetiredDataKey)
	assert.Len(t, p.Remaining, 2)

	k.MinAvailableVersion = 3
	events, err = DecideTrim(state(k, 7), 3, "dk3", nil)
	require.NoError(t, err)
	assert.Empty(t, events, "trimming to the current minimum changes nothing")
}

func TestDecideDelete(t *testing.T) {
	_, err := DecideDelete(state(nil, 3))
	require.ErrorIs(t, err, ErrNotFound)
	_, err = DecideDelete(state(key(1, transitevent.Config{MinDecryptionVersion: 1}), 1))
	require.ErrorIs(t, err, ErrDeletionNotAllowed)

	k := key(2, transitevent.Config{MinDecryptionVersion: 1, DeletionAllowed: true})
	events, err := DecideDelete(state(k, 3))
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, transitevent.EventKeyDeleted, events[0].Type)
	assert.Equal(t, "dk1", payload[transitevent.KeyDeleted](t, events[0]).DataKey)

	// After erasure deletion_allowed no longer matters, but the data key must be the erased one.
	k.DeletionAllowed = false
	events, err = DecideErasedDelete(state(k, 3), "dk1")
	require.NoError(t, err)
	assert.Len(t, events, 1)
	_, err = DecideErasedDelete(state(k, 3), "dk0")
	require.ErrorIs(t, err, ErrStale)
	events, err = DecideErasedDelete(state(nil, 4), "dk1")
	require.NoError(t, err)
	assert.Empty(t, events)
}
