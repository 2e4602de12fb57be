package pki

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

// TestRootKeyTypes: roots of every key type Vault offers sign leaves of
// another type; exported returns the private key once and never again.
func TestRootKeyTypes(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		keyType string
		bits    int
		check   func(any) bool
	}{
		{"rsa", 3072, func(k any) bool { p, ok := k.(*rsa.PublicKey); return ok && p.N.BitLen() == 3072 }},
		{"ec", 384, func(k any) bool { p, ok := k.(*ecdsa.PublicKey); return ok && p.Curve.Params().BitSize == 384 }},
		{"ed25519", 0, func(k any) bool { _, ok := k.(ed25519.PublicKey); return ok }},
	} {
		m := e.mount("kt_"+tc.keyType, 87600*time.Hour)
		data := e.write(m, "root/generate/exported", map[string]any{"common_name": tc.keyType + " root", "key_type": tc.keyType, "key_bits": tc.bits, "ttl": "8760h"}).Data
		root := parsePEM(t, data["certificate"].(string))
		require.True(t, tc.check(root.PublicKey), "%s root has a %T key", tc.keyType, root.PublicKey)
		key, err := certs.ParsePrivateKeyPEM(data["private_key"].(string))
		require.NoError(t, err, tc.keyType)
		require.NoError(t, certs.KeyMatchesCert(key.Signer, root), tc.keyType)
		require.NotContains(t, e.read(m, "key/default").Data, "private_key", "the key is returned once")

		e.write(m, "roles/r", map[string]any{"allow_any_name": true, "key_type": "ec"})
		leaf := parsePEM(t, e.write(m, "issue/r", map[string]any{"common_name": "leaf.example", "ttl": "1h"}).Data["certificate"].(string))
		require.NoError(t, leaf.CheckSignatureFrom(root), tc.keyType)
	}
}
