package pki

import (
	"bytes"
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
)

func verifies(t *testing.T, leaf *x509.Certificate, root *x509.Certificate, inters ...*x509.Certificate) error {
	t.Helper()
	rp, ip := x509.NewCertPool(), x509.NewCertPool()
	rp.AddCert(root)
	for _, c := range inters {
		ip.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: rp, Intermediates: ip, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err
}

// TestMultipleIssuers: a mount holds several roots; root/rotate adds one
// without making it the default, root/replace and config/issuers switch
// the default, issuer/:ref/issue signs with a named one, and the issuer's
// settings and name are updated by reference.
func TestMultipleIssuers(t *testing.T) {
	e := newEnv(t)
	m := e.mount("pki", 87600*time.Hour)
	first := e.write(m, "root/generate/internal", map[string]any{"common_name": "Root A", "key_type": "ec", "issuer_name": "a", "ttl": "8760h"}).Data
	second := e.write(m, "root/rotate/internal", map[string]any{"common_name": "Root B", "key_type": "ec", "issuer_name": "b", "ttl": "8760h"}).Data
	require.NotEqual(t, first["issuer_id"], second["issuer_id"])
	require.NotEqual(t, first["key_id"], second["key_id"])

	require.Equal(t, first["issuer_id"], e.read(m, "config/issuers").Data["default"], "a rotation is not the default yet")
	require.ElementsMatch(t, []string{first["issuer_id"].(string), second["issuer_id"].(string)}, e.list(m, "issuers"))
	require.Len(t, e.list(m, "keys"), 2)
	require.Equal(t, "Root B", parsePEM(t, e.read(m, "issuer/b").Data["certificate"].(string)).Subject.CommonName)

	e.write(m, "roles/any", map[string]any{"allow_any_name": true, "key_type": "ec"})
	rootA, rootB := parsePEM(t, first["certificate"].(string)), parsePEM(t, second["certificate"].(string))
	viaB := parsePEM(t, e.write(m, "issuer/b/issue/any", map[string]any{"common_name": "x.example.com"}).Data["certificate"].(string))
	require.NoError(t, verifies(t, viaB, rootB))
	require.Error(t, verifies(t, viaB, rootA))

	e.write(m, "root/replace", map[string]any{"default": "b"})
	require.Equal(t, second["issuer_id"], e.read(m, "config/issuers").Data["default"])
	leaf := parsePEM(t, e.write(m, "issue/any", map[string]any{"common_name": "y.example.com"}).Data["certificate"].(string))
	require.NoError(t, verifies(t, leaf, rootB), "the default issuer signs after root/replace")
	require.Equal(t, rootB.Raw, e.read(m, "ca").Raw, "ca follows the default issuer")

	e.write(m, "config/issuers", map[string]any{"default": "a"})
	require.Equal(t, first["issuer_id"], e.read(m, "config/issuers").Data["default"])

	e.write(m, "issuer/a", map[string]any{"issuer_name": "alpha", "leaf_not_after_behavior": "truncate"})
	got := e.read(m, "issuer/alpha").Data
	require.Equal(t, "truncate", got["leaf_not_after_behavior"])
	status, msg := e.fail(m, framework.UpdateOperation, "issuer/alpha", map[string]any{"issuer_name": "b"})
	require.Equal(t, 400, status)
	require.Equal(t, "issuer name already in use", msg)

	// Deleting a key its issuer uses is refused; after the issuer goes the
	// key can go, and its data key is destroyed.
	status, _ = e.fail(m, framework.DeleteOperation, "key/"+second["key_id"].(string), nil)
	require.Equal(t, 400, status)
	_, err := m.Call(t, framework.DeleteOperation, "issuer/b", nil)
	require.NoError(t, err)
	st, err := New(e.le.Deps, framework.MountInfo{Accessor: "pki_pki"}, nil).reader.Mount("pki_pki")
	require.NoError(t, err)
	dataKey := st.Keys[second["key_id"].(string)].DataKey
	_, err = m.Call(t, framework.DeleteOperation, "key/"+second["key_id"].(string), nil)
	require.NoError(t, err)
	_, err = e.le.Ledger.DataKeys().Get(context.Background(), dataKey)
	require.ErrorIs(t, err, ledger.ErrDataKeyDestroyed, "deleting a key erases its data key")
	require.Len(t, e.list(m, "keys"), 1)
}

// TestCrossSignAndSelfIssued: an intermediate's key is cross-signed by a
// second root (intermediate/cross-sign, sign-intermediate with
// use_csr_values, issuers/import/bundle), and a self-issued root from
// another mount is re-signed with root/sign-self-issued.
func TestCrossSignAndSelfIssued(t *testing.T) {
	e := newEnv(t)
	pkiM, intM, _, signedPEM := e.tutorial()
	other := e.mount("other", 87600*time.Hour)
	otherRoot := parsePEM(t, e.write(other, "root/generate/internal", map[string]any{"common_name": "Other Root", "key_type": "ec", "ttl": "87600h"}).Data["certificate"].(string))
	intCert := parsePEM(t, signedPEM)

	csr := e.write(intM, "intermediate/cross-sign", map[string]any{"common_name": "ignored", "key_type": "rsa"}).Data["csr"].(string)
	cross := e.write(other, "root/sign-intermediate", map[string]any{"csr": csr, "use_csr_values": true, "skid": fmtSKID(intCert.SubjectKeyId)}).Data["certificate"].(string)
	imported := e.write(intM, "issuers/import/bundle", map[string]any{"pem_bundle": cross}).Data["imported_issuers"].([]string)
	require.Len(t, imported, 1)
	crossCert := parsePEM(t, cross)
	require.Equal(t, intCert.Subject.String(), crossCert.Subject.String(), "cross-signing keeps the subject")
	require.True(t, bytes.Equal(intCert.SubjectKeyId, crossCert.SubjectKeyId), "and the subject key id")
	require.NoError(t, crossCert.CheckSignatureFrom(otherRoot))

	// A leaf from the intermediate now verifies under either root.
	leaf := parsePEM(t, e.write(intM, "issue/myapp-service", map[string]any{"common_name": "c.internal.example.com"}).Data["certificate"].(string))
	require.NoError(t, verifies(t, leaf, otherRoot, crossCert))

	selfIssued := e.read(other, "cert/ca").Data["certificate"].(string)
	resigned := e.write(pkiM, "root/sign-self-issued", map[string]any{"certificate": selfIssued}).Data["certificate"].(string)
	rc := parsePEM(t, resigned)
	require.Equal(t, otherRoot.Subject.String(), rc.Subject.String())
	pkiRoot := parsePEM(t, e.read(pkiM, "cert/ca").Data["certificate"].(string))
	require.NoError(t, rc.CheckSignatureFrom(pkiRoot))
}

func fmtSKID(b []byte) string {
	var buf bytes.Buffer
	for i, c := range b {
		if i > 0 {
			buf.WriteByte(':')
		}
		buf.WriteString(hex2(c))
	}
	return buf.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}

// TestDeleteRoot: DELETE root forgets every issuer and erases every key.
func TestDeleteRoot(t *testing.T) {
	e := newEnv(t)
	m := e.mount("pki", 87600*time.Hour)
	e.write(m, "root/generate/internal", map[string]any{"common_name": "R", "key_type": "ec", "ttl": "8760h"})
	e.write(m, "keys/generate/internal", map[string]any{"key_type": "ec"})
	_, err := m.Call(t, framework.DeleteOperation, "root", nil)
	require.NoError(t, err)
	require.Empty(t, e.list(m, "issuers"))
	require.Empty(t, e.list(m, "keys"))
	status, msg := e.fail(m, framework.ReadOperation, "ca", nil)
	require.Equal(t, 404, status, msg)
	// A new root can be generated on the emptied mount.
	e.write(m, "root/generate/internal", map[string]any{"common_name": "R2", "key_type": "ec", "ttl": "8760h"})
}
