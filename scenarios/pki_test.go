package scenarios_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// TestPKITutorialWithOurCLI runs the seed tutorial's PKI section
// (../shared/seed/) unchanged with `coffer` in place of `vault`, saving
// files as the shell redirections and jq do, then checks the issued leaf
// with `openssl verify -CAfile root-ca.crt -untrusted <intermediate>
// leaf.pem`, and that revoking the certificate's lease puts it on the CRL.
func TestPKITutorialWithOurCLI(t *testing.T) {
	s := start(t)
	dir := t.TempDir()
	cli := func(args ...string) string {
		t.Helper()
		out, errOut, code := s.CLI(t, args...)
		require.Equal(t, 0, code, "coffer %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), out, errOut)
		return out
	}
	save := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	jqData := func(out, field string) string {
		var v struct{ Data map[string]any }
		require.NoError(t, json.Unmarshal([]byte(out), &v), out)
		s, _ := v.Data[field].(string)
		require.NotEmpty(t, s, "no .data.%s in %s", field, out)
		return s + "\n" // jq -r prints a newline
	}

	cli("secrets", "enable", "-path=pki", "pki")
	cli("secrets", "tune", "-max-lease-ttl=87600h", "pki")
	rootCA := save("root-ca.crt", cli("write", "-field=certificate", "pki/root/generate/internal", `common_name=Internal Root CA`, "ttl=87600h"))

	cli("secrets", "enable", "-path=pki_int", "pki")
	cli("secrets", "tune", "-max-lease-ttl=43800h", "pki_int")
	csr := save("pki_int.csr", jqData(cli("write", "-format=json", "pki_int/intermediate/generate/internal", `common_name=Internal Intermediate CA`), "csr"))
	signed := save("signed_cert.pem", jqData(cli("write", "-format=json", "pki/root/sign-intermediate", "csr=@"+csr, "format=pem_bundle", "ttl=43800h"), "certificate"))
	cli("write", "pki_int/intermediate/set-signed", "certificate=@"+signed)

	cli("write", "pki_int/roles/myapp-service", "allowed_domains=internal.example.com", "allow_subdomains=true", "max_ttl=24h", "generate_lease=true")
	table := cli("write", "pki_int/issue/myapp-service", "common_name=api.internal.example.com", "ttl=8h")
	for _, key := range []string{"lease_id", "certificate", "issuing_ca", "private_key", "serial_number"} {
		require.Contains(t, table, key, "the table output lists %s", key)
	}

	var issued struct {
		LeaseID string `json:"lease_id"`
		Data    struct {
			Certificate  string   `json:"certificate"`
			IssuingCA    string   `json:"issuing_ca"`
			CAChain      []string `json:"ca_chain"`
			SerialNumber string   `json:"serial_number"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(cli("write", "-format=json", "pki_int/issue/myapp-service", "common_name=api.internal.example.com", "ttl=8h")), &issued))
	leaf := save("leaf.pem", issued.Data.Certificate+"\n")
	intPEM := save("int.pem", issued.Data.IssuingCA+"\n")
	opensslOK(t, rootCA, intPEM, leaf)
	opensslOK(t, rootCA, signed, leaf)
	require.Len(t, issued.Data.CAChain, 2)
	require.True(t, strings.HasPrefix(issued.LeaseID, "pki_int/issue/myapp-service/"), issued.LeaseID)

	// Revoking the lease revokes the certificate. `lease revoke` without
	// -sync queues the revocation for the reaper (as Vault's CLI does), so
	// the CRL is polled.
	cli("lease", "revoke", issued.LeaseID)
	issuer := rootOrIssuer(t, issued.Data.IssuingCA)
	harness.Eventually(t, 15*time.Second, 100*time.Millisecond, func() error {
		if serials := crlSerials(t, s.Addr+"/v1/pki_int/crl", issuer); !slices.Contains(serials, normSerial(issued.Data.SerialNumber)) {
			return fmt.Errorf("serial %s not yet on the CRL %v", issued.Data.SerialNumber, serials)
		}
		return nil
	})

	// The ledger answers which certificates the role issued (the README's
	// example).
	replay := cli("ledger", "replay", "-type", "pki/issue", "-path", "pki_int/cert/")
	t.Logf("coffer ledger replay -type pki/issue -path pki_int/cert/:\n%s", replay)
	require.Contains(t, replay, "pki_int/cert/"+issued.Data.SerialNumber)
	replayJSON := cli("ledger", "replay", "-type", "pki/issue", "-path", "pki_int/cert/"+issued.Data.SerialNumber, "-format", "json")
	require.Contains(t, replayJSON, `"role":"myapp-service"`)
	require.Contains(t, cli("ledger", "replay", "-type", "pki/revoke"), "pki_int/cert/"+issued.Data.SerialNumber)

	// Foreign names are refused with Vault's message and a non-zero exit.
	_, errOut, code := s.CLI(t, "write", "pki_int/issue/myapp-service", "common_name=api.evil.com")
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "common name api.evil.com not allowed by this role")
}

// TestPKIWithVaultClient drives the same chain through HashiCorp's Go
// client, revokes by serial, checks the CRL and the OCSP responder on the
// unauthenticated paths, and checks that a kill -9 and restart keep the
// CRL and the certificate list identical.
func TestPKIWithVaultClient(t *testing.T) {
	s := start(t)
	c := s.Client(t)
	ctx := t.Context()
	require.NoError(t, c.Sys().MountWithContext(ctx, "pki", &vault.MountInput{Type: "pki", Config: vault.MountConfigInput{MaxLeaseTTL: "87600h"}}))
	require.NoError(t, c.Sys().MountWithContext(ctx, "pki_int", &vault.MountInput{Type: "pki"}))
	require.NoError(t, c.Sys().TuneMountWithContext(ctx, "pki_int", vault.MountConfigInput{MaxLeaseTTL: "43800h"}))
	w := func(path string, data map[string]any) *vault.Secret {
		t.Helper()
		sec, err := c.Logical().WriteWithContext(ctx, path, data)
		require.NoError(t, err, path)
		require.NotNil(t, sec, path)
		return sec
	}
	root := w("pki/root/generate/internal", map[string]any{"common_name": "Internal Root CA", "ttl": "87600h", "key_type": "ec"}).Data["certificate"].(string)
	csr := w("pki_int/intermediate/generate/internal", map[string]any{"common_name": "Internal Intermediate CA", "key_type": "ec"}).Data["csr"].(string)
	signed := w("pki/root/sign-intermediate", map[string]any{"csr": csr, "format": "pem_bundle", "ttl": "43800h"}).Data["certificate"].(string)
	w("pki_int/intermediate/set-signed", map[string]any{"certificate": signed})
	w("pki_int/roles/svc", map[string]any{"allowed_domains": "internal.example.com", "allow_subdomains": true, "max_ttl": "24h", "key_type": "ec"})

	var serials []string
	var leafPEM, issuingCA string
	for range 3 {
		sec := w("pki_int/issue/svc", map[string]any{"common_name": "api.internal.example.com", "ttl": "1h"})
		serials = append(serials, sec.Data["serial_number"].(string))
		leafPEM, issuingCA = sec.Data["certificate"].(string), sec.Data["issuing_ca"].(string)
		require.Empty(t, sec.LeaseID, "the role has no generate_lease")
	}
	dir := t.TempDir()
	p := func(name, body string) string {
		f := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(f, []byte(body+"\n"), 0o600))
		return f
	}
	opensslOK(t, p("root-ca.crt", root), p("int.pem", issuingCA), p("leaf.pem", leafPEM))

	// sign/:role with a CSR, and the refusals.
	_, err := c.Logical().WriteWithContext(ctx, "pki_int/issue/svc", map[string]any{"common_name": "x.other.com"})
	requireStatus(t, err, 400)
	_, err = c.Logical().WriteWithContext(ctx, "pki_int/sign/svc", map[string]any{"csr": "not a csr"})
	requireStatus(t, err, 400)

	rev := w("pki_int/revoke", map[string]any{"serial_number": serials[0]})
	require.NotZero(t, rev.Data["revocation_time"])

	intCert := rootOrIssuer(t, issuingCA)
	require.Equal(t, []string{normSerial(serials[0])}, crlSerials(t, s.Addr+"/v1/pki_int/crl", intCert))
	leaf := rootOrIssuer(t, leafPEM)
	require.Equal(t, ocsp.Good, ocspStatus(t, s.Addr, leaf, intCert))
	revokedLeaf := fetchCert(t, s.Addr, serials[0])
	require.Equal(t, ocsp.Revoked, ocspStatus(t, s.Addr, revokedLeaf, intCert))
	// openssl ocsp -url POSTs the DER request and checks the signed answer.
	rootFile, intFile := filepath.Join(dir, "root-ca.crt"), filepath.Join(dir, "int.pem")
	require.Contains(t, opensslOCSP(t, s.Addr, rootFile, intFile, p("good.pem", leafPEM)), ": good")
	require.Contains(t, opensslOCSP(t, s.Addr, rootFile, intFile, p("revoked.pem", x509PEM(revokedLeaf))), ": revoked")

	listed := func() []string {
		sec, err := c.Logical().ListWithContext(ctx, "pki_int/certs")
		require.NoError(t, err)
		var out []string
		for _, k := range sec.Data["keys"].([]any) {
			out = append(out, k.(string))
		}
		sort.Strings(out)
		return out
	}
	before := listed()
	require.Len(t, before, 3, "pki_int stores its three leaves (the intermediate is recorded on pki, which signed it): %v", before)

	s.Kill()
	s.Restart(t)
	c = s.Client(t)
	require.Equal(t, before, listed())
	require.Equal(t, []string{normSerial(serials[0])}, crlSerials(t, s.Addr+"/v1/pki_int/crl", intCert))
	// Issuing still works after the restart (the CA key opened from its
	// data key).
	w("pki_int/issue/svc", map[string]any{"common_name": "b.internal.example.com"})

	// A generate_lease certificate's lease expires with it, and the reaper
	// revokes the certificate through the module's Revoker.
	w("pki_int/roles/leased", map[string]any{"allowed_domains": "internal.example.com", "allow_subdomains": true, "key_type": "ec", "generate_lease": true})
	leased := w("pki_int/issue/leased", map[string]any{"common_name": "short.internal.example.com", "ttl": "3s"})
	require.NotEmpty(t, leased.LeaseID)
	harness.Eventually(t, 2*time.Minute, 200*time.Millisecond, func() error {
		for _, sn := range crlSerials(t, s.Addr+"/v1/pki_int/crl", intCert) {
			if sn == normSerial(leased.Data["serial_number"].(string)) {
				return nil
			}
		}
		return fmt.Errorf("certificate of lease %s not on the CRL yet", leased.LeaseID)
	})
}

func opensslOK(t *testing.T, root, intermediate, leaf string) {
	t.Helper()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not on PATH")
	}
	out, err := exec.Command(openssl, "verify", "-CAfile", root, "-untrusted", intermediate, leaf).CombinedOutput()
	require.NoError(t, err, "openssl verify: %s", out)
	require.Contains(t, string(out), ": OK")
}

func rootOrIssuer(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	blk, _ := pem.Decode([]byte(s))
	require.NotNil(t, blk)
	c, err := x509.ParseCertificate(blk.Bytes)
	require.NoError(t, err)
	return c
}

// normSerial is a serial as the CRL spells it (colon hex, lower case).
func normSerial(s string) string { return strings.ToLower(strings.ReplaceAll(s, "-", ":")) }

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url) // unauthenticated, as Vault's
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, "GET %s: %s", url, body)
	return body
}

// crlSerials fetches a DER CRL, checks its signature by issuer and
// returns the revoked serials.
func crlSerials(t *testing.T, url string, issuer *x509.Certificate) []string {
	t.Helper()
	rl, err := x509.ParseRevocationList(get(t, url))
	require.NoError(t, err)
	require.NoError(t, rl.CheckSignatureFrom(issuer))
	var out []string
	for _, e := range rl.RevokedCertificateEntries {
		h := strings.ToLower(e.SerialNumber.Text(16))
		if len(h)%2 == 1 {
			h = "0" + h
		}
		var parts []string
		for i := 0; i < len(h); i += 2 {
			parts = append(parts, h[i:i+2])
		}
		out = append(out, strings.Join(parts, ":"))
	}
	return out
}

func fetchCert(t *testing.T, addr, serial string) *x509.Certificate {
	t.Helper()
	var v struct{ Data struct{ Certificate string } }
	require.NoError(t, json.Unmarshal(get(t, addr+"/v1/pki_int/cert/"+serial), &v))
	return rootOrIssuer(t, v.Data.Certificate)
}

// ocspStatus asks the mount's responder with an RFC 6960 GET and with a
// POST, checks both answers' signatures and that they agree.
func ocspStatus(t *testing.T, addr string, leaf, issuer *x509.Certificate) int {
	t.Helper()
	der, err := ocsp.CreateRequest(leaf, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	require.NoError(t, err)
	ask := func(method, url string, body []byte) int {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
		require.NoError(t, err)
		if body != nil {
			req.Header.Set("Content-Type", "application/ocsp-request")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode, "%s %s: %s", method, url, bytes.TrimSpace(out))
		require.Equal(t, "application/ocsp-response", resp.Header.Get("Content-Type"))
		r, err := ocsp.ParseResponseForCert(out, leaf, issuer)
		require.NoError(t, err)
		return r.Status
	}
	status := ask(http.MethodPost, addr+"/v1/pki_int/ocsp", der)
	// RFC 6960's GET: the base64 URL-encoded ('/' as %2F), and as many
	// clients send it, raw ('/' as is, "//" in about one request in
	// forty); the PKI mount declares its OCSP tail opaque to the gateway.
	b64 := base64.StdEncoding.EncodeToString(der)
	require.Equal(t, status, ask(http.MethodGet, addr+"/v1/pki_int/ocsp/"+url.PathEscape(b64), nil), "GET (URL-encoded) answers as POST does")
	require.Equal(t, status, ask(http.MethodGet, addr+"/v1/pki_int/ocsp/"+b64, nil), "GET (raw base64) answers as POST does")
	return status
}

// opensslOCSP runs `openssl ocsp -issuer int -cert leaf -url .../ocsp
// -CAfile root`, which POSTs, and returns its output once the response
// verified.
func opensslOCSP(t *testing.T, addr, root, issuer, leaf string) string {
	t.Helper()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not on PATH")
	}
	out, err := exec.Command(openssl, "ocsp", "-issuer", issuer, "-cert", leaf, "-CAfile", root,
		"-url", addr+"/v1/pki_int/ocsp").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "Response verify OK", "%s", out)
	return string(out)
}

func x509PEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// TestPKIKillMidIssueKeepsAcknowledged: kill -9 while eight clients
// issue certificates; after the restart every acknowledged serial is
// listed and readable, no certificate appears that was neither
// acknowledged nor in flight, and the CRL is what it was.
func TestPKIKillMidIssueKeepsAcknowledged(t *testing.T) {
	s := start(t)
	c := s.Client(t)
	ctx := t.Context()
	require.NoError(t, c.Sys().MountWithContext(ctx, "pki", &vault.MountInput{Type: "pki", Config: vault.MountConfigInput{MaxLeaseTTL: "87600h"}}))
	_, err := c.Logical().WriteWithContext(ctx, "pki/root/generate/internal", map[string]any{"common_name": "Kill Root", "key_type": "ec", "ttl": "87600h"})
	require.NoError(t, err)
	_, err = c.Logical().WriteWithContext(ctx, "pki/roles/r", map[string]any{"allow_any_name": true, "key_type": "ec"})
	require.NoError(t, err)
	revoked, err := c.Logical().WriteWithContext(ctx, "pki/issue/r", map[string]any{"common_name": "revoked.example"})
	require.NoError(t, err)
	_, err = c.Logical().WriteWithContext(ctx, "pki/revoke", map[string]any{"serial_number": revoked.Data["serial_number"]})
	require.NoError(t, err)
	caDER := get(t, s.Addr+"/v1/pki/ca")
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	crlBefore := crlSerials(t, s.Addr+"/v1/pki/crl", ca)

	const clients = 8
	var mu sync.Mutex
	acked := map[string]bool{normSerial(revoked.Data["serial_number"].(string)): true}
	inFlight := 0
	kctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var total atomic.Int64
	for g := range clients {
		cl := s.Client(t)
		wg.Go(func() {
			for n := 0; kctx.Err() == nil; n++ {
				sec, err := cl.Logical().WriteWithContext(kctx, "pki/issue/r", map[string]any{"common_name": fmt.Sprintf("c%d-%d.example", g, n), "ttl": "1h"})
				if err != nil {
					mu.Lock()
					inFlight++
					mu.Unlock()
					return // the server is gone
				}
				mu.Lock()
				acked[normSerial(sec.Data["serial_number"].(string))] = true
				mu.Unlock()
				total.Add(1)
			}
		})
	}
	harness.Eventually(t, time.Minute, 10*time.Millisecond, func() error {
		if n := total.Load(); n < 100 {
			return fmt.Errorf("%d certificates acknowledged so far", n)
		}
		return nil
	})
	s.Kill()
	wg.Wait()
	cancel()

	s.Restart(t)
	c = s.Client(t)
	sec, err := c.Logical().ListWithContext(t.Context(), "pki/certs")
	require.NoError(t, err)
	listed := map[string]bool{}
	for _, k := range sec.Data["keys"].([]any) {
		listed[k.(string)] = true
	}
	for serial := range acked {
		require.True(t, listed[serial], "acknowledged certificate %s lost", serial)
	}
	extra := 0
	for serial := range listed {
		if !acked[serial] {
			extra++
		}
	}
	// The root's own record, and at most one in-flight issuance per client.
	require.LessOrEqual(t, extra, 1+inFlight, "certificates nobody was issuing appeared")
	require.Equal(t, crlBefore, crlSerials(t, s.Addr+"/v1/pki/crl", ca))
	_, err = c.Logical().WriteWithContext(t.Context(), "pki/issue/r", map[string]any{"common_name": "after.example"})
	require.NoError(t, err)
}
