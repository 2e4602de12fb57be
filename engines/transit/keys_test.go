package transit

import (
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/transitstore"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func unb64(t testing.TB, s any) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s.(string))
	require.NoError(t, err)
	return string(b)
}

func TestKeyLifecycle(t *testing.T) {
	e := newEnv(t)
	created := e.write("keys/user-pii", map[string]any{"type": "aes256-gcm96"})
	assert.Equal(t, "aes256-gcm96", created["type"])
	assert.Equal(t, 1, num(created["latest_version"]))

	k := e.read("keys/user-pii")
	assert.Equal(t, "user-pii", k["name"])
	assert.Equal(t, false, k["derived"])
	assert.Equal(t, false, k["deletion_allowed"])
	assert.Equal(t, 1, num(k["min_decryption_version"]))
	assert.Equal(t, 0, num(k["min_encryption_version"]))
	assert.Equal(t, true, k["supports_encryption"])
	assert.Equal(t, true, k["supports_decryption"])
	assert.Equal(t, false, k["supports_signing"])
	assert.Equal(t, true, k["supports_derivation"])
	require.Contains(t, k["keys"], "1")
	assert.InDelta(t, e.clock.Now().Unix(), k["keys"].(map[string]int64)["1"], 5)

	plaintext := b64("192.168.1.1 user@example.com")
	ct1 := e.write("encrypt/user-pii", map[string]any{"plaintext": plaintext})
	assert.Regexp(t, `^vault:v1:[A-Za-z0-9+/]+=*$`, ct1["ciphertext"])
	assert.Equal(t, 1, num(ct1["key_version"]))
	pt := e.write("decrypt/user-pii", map[string]any{"ciphertext": ct1["ciphertext"]})
	assert.Equal(t, plaintext, pt["plaintext"])

	rotated := e.write("keys/user-pii/rotate", nil)
	assert.Equal(t, 2, num(rotated["latest_version"]))
	ct2 := e.write("encrypt/user-pii", map[string]any{"plaintext": plaintext})
	assert.Regexp(t, `^vault:v2:`, ct2["ciphertext"], "a rotate is seen by the next encrypt")
	assert.Equal(t, plaintext, e.write("decrypt/user-pii", map[string]any{"ciphertext": ct1["ciphertext"]})["plaintext"], "v1 still decrypts")

	rewrapped := e.write("rewrap/user-pii", map[string]any{"ciphertext": ct1["ciphertext"]})
	assert.Regexp(t, `^vault:v2:`, rewrapped["ciphertext"])
	assert.Equal(t, plaintext, e.write("decrypt/user-pii", map[string]any{"ciphertext": rewrapped["ciphertext"]})["plaintext"])

	cfg := e.write("keys/user-pii/config", map[string]any{"min_decryption_version": 2})
	assert.Equal(t, 2, num(cfg["min_decryption_version"]))
	assert.NotContains(t, cfg["keys"], "1", "versions below min_decryption_version are not listed")
	status, msg := e.fail(framework.UpdateOperation, "decrypt/user-pii", map[string]any{"ciphertext": ct1["ciphertext"]})
	assert.Equal(t, 400, status)
	assert.Equal(t, "ciphertext or signature version is disallowed by policy (too old)", msg)

	status, msg = e.fail(framework.DeleteOperation, "keys/user-pii", nil)
	assert.Equal(t, 400, status)
	assert.Equal(t, "error deleting policy user-pii: deletion is not allowed for this key", msg)

	list, err := e.call(framework.ListOperation, "keys/", nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"user-pii"}, list.Data["keys"])

	e.write("keys/user-pii/config", map[string]any{"deletion_allowed": true})
	resp, err := e.call(framework.DeleteOperation, "keys/user-pii", nil)
	require.NoError(t, err)
	assert.Nil(t, resp)
	_, err = e.call(framework.ReadOperation, "keys/user-pii", nil)
	require.ErrorIs(t, err, framework.ErrNotFound)
	_, err = e.call(framework.ListOperation, "keys", nil)
	require.ErrorIs(t, err, framework.ErrNotFound)
	status, msg = e.fail(framework.UpdateOperation, "decrypt/user-pii", map[string]any{"ciphertext": ct2["ciphertext"]})
	assert.Equal(t, 400, status)
	assert.Equal(t, "encryption key not found", msg)
}

func TestCreateExistingKeyWarns(t *testing.T) {
	e := newEnv(t)
	e.write("keys/k", map[string]any{"type": "chacha20-poly1305"})
	before := e.lastSeq()
	resp, err := e.call(framework.UpdateOperation, "keys/k", map[string]any{"type": "aes128-gcm96"})
	require.NoError(t, err)
	assert.Equal(t, []string{"key k already existed"}, resp.Warnings)
	assert.Equal(t, "chacha20-poly1305", resp.Data["type"], "the existing key is left as it was")
	assert.Equal(t, before, e.lastSeq(), "nothing appended")
}

func TestEveryKeyTypeReads(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		typ                   string
		enc, sign, derivation bool
		pubName               string
	}{
		{"aes128-gcm96", true, false, true, ""},
		{"aes256-gcm96", true, false, true, ""},
		{"chacha20-poly1305", true, false, true, ""},
		{"hmac", false, false, false, ""},
		{"ed25519", false, true, true, "ed25519"},
		{"ecdsa-p256", false, true, false, "P-256"},
		{"ecdsa-p384", false, true, false, "P-384"},
		{"ecdsa-p521", false, true, false, "P-521"},
		{"rsa-2048", true, true, false, "rsa-2048"},
		{"rsa-3072", true, true, false, "rsa-3072"},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			e.write("keys/"+tt.typ, map[string]any{"type": tt.typ})
			k := e.read("keys/" + tt.typ)
			assert.Equal(t, tt.typ, k["type"])
			assert.Equal(t, tt.enc, k["supports_encryption"])
			assert.Equal(t, tt.sign, k["supports_signing"])
			assert.Equal(t, tt.derivation, k["supports_derivation"])
			if tt.pubName == "" {
				assert.Contains(t, k["keys"], "1")
				return
			}
			v1 := k["keys"].(map[string]map[string]any)["1"]
			assert.Equal(t, tt.pubName, v1["name"])
			assert.NotEmpty(t, v1["public_key"])
			assert.IsType(t, time.Time{}, v1["creation_time"])
		})
	}
}

func TestBadKeyRequestsWriteNothing(t *testing.T) {
	e := newEnv(t)
	e.write("keys/existing", nil)
	before := e.lastSeq()
	tests := []struct {
		name string
		op   framework.Operation
		path string
		data map[string]any
		msg  string
	}{
		{"unknown type", framework.UpdateOperation, "keys/k", map[string]any{"type": "aes512-gcm"}, "unknown key type aes512-gcm"},
		{"convergent without derivation", framework.UpdateOperation, "keys/k", map[string]any{"convergent_encryption": true}, "convergent encryption requires derivation to be enabled"},
		{"derived rsa", framework.UpdateOperation, "keys/k", map[string]any{"type": "rsa-2048", "derived": true}, "key derivation and convergent encryption not supported for keys of type rsa-2048"},
		{"short auto rotation", framework.UpdateOperation, "keys/k", map[string]any{"auto_rotate_period": "10m"}, "auto rotate period must be 0 to disable or at least an hour"},
		{"key size on aes", framework.UpdateOperation, "keys/k", map[string]any{"key_size": 64}, "key_size is not valid for algorithm aes256-gcm96"},
		{"bad boolean", framework.UpdateOperation, "keys/k", map[string]any{"derived": "perhaps"}, `Field validation failed: error converting input perhaps for field "derived": cannot parse '' as bool: strconv.ParseBool: parsing "perhaps": invalid syntax`},
		{"rotate missing", framework.UpdateOperation, "keys/nope/rotate", nil, "key not found"},
		{"config missing", framework.UpdateOperation, "keys/nope/config", map[string]any{"deletion_allowed": true}, "no existing key named nope could be found"},
		{"min decryption above latest", framework.UpdateOperation, "keys/existing/config", map[string]any{"min_decryption_version": 5}, "cannot set min decryption version of 5, latest key version is 1"},
		{"trim without min", framework.UpdateOperation, "keys/existing/trim", nil, "missing min_available_version"},
		{"trim without min encryption", framework.UpdateOperation, "keys/existing/trim", map[string]any{"min_available_version": 1}, "minimum available version cannot be set when minimum encryption version is not set"},
		{"delete missing", framework.DeleteOperation, "keys/nope", nil, "error deleting policy nope: could not delete key; not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, msg := e.fail(tt.op, tt.path, tt.data)
			assert.Equal(t, 400, status)
			assert.Equal(t, tt.msg, msg)
		})
	}
	assert.Equal(t, before, e.lastSeq(), "no bad request appended anything")
	_, err := e.call(framework.ReadOperation, "keys/k", nil)
	require.ErrorIs(t, err, framework.ErrNotFound)
}

func TestTrimErasesOldVersions(t *testing.T) {
	e := newEnv(t)
	e.write("keys/k", map[string]any{"exportable": true})
	var cts []string
	for v := 1; v <= 4; v++ {
		if v > 1 {
			e.write("keys/k/rotate", nil)
		}
		cts = append(cts, e.write("encrypt/k", map[string]any{"plaintext": b64("v" + strconv.Itoa(v))})["ciphertext"].(string))
	}
	before, err := transitstore.Get(e.store, testMount, "k")
	require.NoError(t, err)

	e.write("keys/k/config", map[string]any{"min_decryption_version": 3, "min_encryption_version": 3})
	k := e.write("keys/k/trim", map[string]any{"min_available_version": 3})
	assert.Equal(t, 3, num(k["min_available_version"]))
	assert.Equal(t, map[string]int64{"3": k["keys"].(map[string]int64)["3"], "4": k["keys"].(map[string]int64)["4"]}, k["keys"])

	after, err := transitstore.Get(e.store, testMount, "k")
	require.NoError(t, err)
	assert.NotEqual(t, before.DataKey, after.DataKey, "the kept versions moved to a new data key")
	_, err = e.ledger.DataKeys().Get(t.Context(), before.DataKey)
	require.ErrorIs(t, err, ledger.ErrDataKeyDestroyed, "the data key of the trimmed versions is erased")

	for i, ct := range cts[2:] {
		assert.Equal(t, "v"+strconv.Itoa(i+3), unb64(t, e.write("decrypt/k", map[string]any{"ciphertext": ct})["plaintext"]))
	}
	exported := e.read("export/encryption-key/k")["keys"].(map[string]string)
	assert.Len(t, exported, 2)

	// Lowering the minimums again cannot bring the trimmed versions back.
	status, msg := e.fail(framework.UpdateOperation, "keys/k/config", map[string]any{"min_decryption_version": 1})
	assert.Equal(t, 400, status)
	assert.Equal(t, "min decryption version should not be less than min available version", msg)

	// A rebuild of the read model from the ledger ends in the same state.
	e.rebuildProjections()
	for i, ct := range cts[2:] {
		assert.Equal(t, "v"+strconv.Itoa(i+3), unb64(t, e.write("decrypt/k", map[string]any{"ciphertext": ct})["plaintext"]))
	}
	rebuilt, err := transitstore.Get(e.store, testMount, "k")
	require.NoError(t, err)
	assert.Equal(t, after, rebuilt)
}

// TestKeysAreIsolated: names that share a prefix, and mounts, never see
// each other's versions.
func TestKeysAreIsolated(t *testing.T) {
	e := newEnv(t)
	e.write("keys/a", nil)
	e.write("keys/a.b", nil)
	e.write("keys/a.b/rotate", nil)
	e.write("keys/a.b/rotate", nil)
	ka, sealed, err := transitstore.Snapshot(e.store, testMount, "a")
	require.NoError(t, err)
	assert.Equal(t, 1, ka.LatestVersion)
	assert.Len(t, sealed, 1)
	_, sealed, err = transitstore.Snapshot(e.store, testMount, "a.b")
	require.NoError(t, err)
	assert.Len(t, sealed, 3)

	ct := e.write("encrypt/a", map[string]any{"plaintext": b64("x")})["ciphertext"]
	other := New(e.deps, framework.MountInfo{Path: "transit2/", Type: "transit", Accessor: "transit_other"}, Options{AutoRotateInterval: -1})
	defer other.Close()
	names, err := transitstore.List(e.store, "transit_other")
	require.NoError(t, err)
	assert.Empty(t, names)
	_, err = other.keyring(t.Context(), "a")
	require.ErrorIs(t, err, errKeyNotFound)
	_, err = other.runner.Create(t.Context(), "a", cmdtransitCreate())
	require.NoError(t, err)
	kr, err := other.keyring(t.Context(), "a")
	require.NoError(t, err)
	_, err = kr.decrypt(nil, nil, ct.(string))
	require.Error(t, err, "a key of the same name on another mount is another key")
}
