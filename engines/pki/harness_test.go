package pki

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/pkistore"
)

// env runs PKI mounts on a real embedded ledger and pebble store. The
// clock is the real one: openssl verifies at the current time.
type env struct {
	t        testing.TB
	le       *ledgertest.Env
	mounts   map[string]*testkit.Mount
	backends map[string]*Backend
}

func newEnv(t *testing.T) *env { return newEnvB(t) }

func newEnvB(t testing.TB) *env {
	t.Helper()
	le := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){pkistore.Register}})
	e := &env{t: t, le: le, mounts: map[string]*testkit.Mount{}, backends: map[string]*Backend{}}
	return e
}

// mount adds (or, after a rebuild, re-adds) a PKI mount at path with the
// given max lease TTL (secrets tune -max-lease-ttl).
func (e *env) mount(path string, maxTTL time.Duration) *testkit.Mount {
	b := New(e.le.Deps, framework.MountInfo{Path: path + "/", Type: "pki", Accessor: "pki_" + path}, nil)
	e.backends[path] = b
	fb := b.Framework()
	e.le.Projector.Observe(testkit.Observe(fb))
	m := &testkit.Mount{Backend: fb, Path: path + "/", Type: "pki", Accessor: "pki_" + path, Sudo: true,
		Config: framework.MountConfig{MaxLeaseTTL: maxTTL}}
	e.mounts[path] = m
	return m
}

func (e *env) write(m *testkit.Mount, path string, data map[string]any) *framework.Response {
	e.t.Helper()
	resp, err := m.Call(e.t, framework.UpdateOperation, path, data)
	require.NoError(e.t, err, "write %s%s", m.Path, path)
	require.NotNil(e.t, resp, "write %s%s", m.Path, path)
	return resp
}

func (e *env) read(m *testkit.Mount, path string) *framework.Response {
	e.t.Helper()
	resp, err := m.Call(e.t, framework.ReadOperation, path, nil)
	require.NoError(e.t, err, "read %s%s", m.Path, path)
	require.NotNil(e.t, resp, "read %s%s", m.Path, path)
	return resp
}

func (e *env) list(m *testkit.Mount, path string) []string {
	e.t.Helper()
	resp, err := m.Call(e.t, framework.ListOperation, path, nil)
	require.NoError(e.t, err, "list %s%s", m.Path, path)
	if resp == nil {
		return nil
	}
	return resp.Data["keys"].([]string)
}

// fail runs a request that must fail and returns its status and message.
func (e *env) fail(m *testkit.Mount, op framework.Operation, path string, data map[string]any) (int, string) {
	e.t.Helper()
	resp, err := m.Call(e.t, op, path, data)
	require.Error(e.t, err, "%s %s%s succeeded: %v", op, m.Path, path, resp)
	status, msgs := framework.StatusOf(err)
	return status, strings.Join(msgs, "; ")
}

// tutorial runs the seed's PKI section: root on pki, intermediate on
// pki_int signed by it, the myapp-service role. It returns the root PEM
// as `-field=certificate > root-ca.crt` saved it and the signed
// intermediate (signed_cert.pem).
func (e *env) tutorial() (pkiM, intM *testkit.Mount, rootPEM, signedPEM string) {
	pkiM = e.mount("pki", 87600*time.Hour)
	intM = e.mount("pki_int", 43800*time.Hour)
	rootPEM = e.write(pkiM, "root/generate/internal", map[string]any{"common_name": "Internal Root CA", "ttl": "87600h"}).Data["certificate"].(string)
	csr := e.write(intM, "intermediate/generate/internal", map[string]any{"common_name": "Internal Intermediate CA"}).Data["csr"].(string)
	signedPEM = e.write(pkiM, "root/sign-intermediate", map[string]any{"csr": csr, "format": "pem_bundle", "ttl": "43800h"}).Data["certificate"].(string)
	e.write(intM, "intermediate/set-signed", map[string]any{"certificate": signedPEM})
	e.write(intM, "roles/myapp-service", map[string]any{
		"allowed_domains": "internal.example.com", "allow_subdomains": true, "max_ttl": "24h", "generate_lease": true,
	})
	return pkiM, intM, rootPEM, signedPEM
}

func parsePEM(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	blk, _ := pem.Decode([]byte(s))
	require.NotNil(t, blk, "no PEM in %q", s)
	c, err := x509.ParseCertificate(blk.Bytes)
	require.NoError(t, err)
	return c
}

// opensslVerify runs `openssl verify -CAfile root -untrusted int leaf`;
// with CRLs (PEM) it checks them too (-crl_check -use_deltas).
func opensslVerify(t *testing.T, root, intermediate, leaf string, crls ...string) (string, error) {
	t.Helper()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not on PATH")
	}
	dir := t.TempDir()
	w := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	args := []string{"verify", "-CAfile", w("root-ca.crt", root)}
	if intermediate != "" {
		args = append(args, "-untrusted", w("int.pem", intermediate))
	}
	if len(crls) > 0 {
		args = append(args, "-crl_check", "-use_deltas")
	}
	for i, c := range crls {
		args = append(args, "-CRLfile", w(fmt.Sprintf("crl%d.pem", i), c))
	}
	out, err := exec.Command(openssl, append(args, w("leaf.pem", leaf))...).CombinedOutput()
	return string(out), err
}
