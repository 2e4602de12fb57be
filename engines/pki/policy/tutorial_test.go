package policy

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

// TestTutorialChain runs the seed tutorial's PKI section through policy
// and certs exactly as the engine will, taking each step's input from the
// previous step's response fields (as the CLI and jq do), and checks the
// result with crypto/x509 and with `openssl verify -CAfile root.pem
// -untrusted int.pem leaf.pem`. It uses the real clock because openssl
// verifies at the current time.
func TestTutorialChain(t *testing.T) {
	now := time.Now()
	pkiMount := Limits{Now: now, DefaultTTL: 768 * time.Hour, MaxTTL: 87600 * time.Hour}    // secrets tune -max-lease-ttl=87600h pki
	pkiIntMount := Limits{Now: now, DefaultTTL: 768 * time.Hour, MaxTTL: 43800 * time.Hour} // secrets tune -max-lease-ttl=43800h pki_int

	// vault write -field=certificate pki/root/generate/internal common_name="Internal Root CA" ttl=87600h > root-ca.crt
	rootD, err := DecideRoot(CAOptions{}, Request{CommonName: "Internal Root CA", TTL: 87600 * time.Hour}, pkiMount)
	if err != nil {
		t.Fatal(err)
	}
	rootKey := genKey(t, rootD)
	root, err := certs.SelfSign(rand.Reader, rootD.Params, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	rootResp, err := certs.RootData(certs.FormatPEM, certs.KeyFormatDefault, root, false)
	if err != nil {
		t.Fatal(err)
	}
	rootPEM := rootResp["certificate"].(string)

	// vault write -format=json pki_int/intermediate/generate/internal common_name="Internal Intermediate CA" | jq -r '.data.csr'
	intD, err := DecideIntermediateCSR(CAOptions{}, Request{CommonName: "Internal Intermediate CA"}, pkiIntMount)
	if err != nil {
		t.Fatal(err)
	}
	intKey := genKey(t, intD)
	csr, err := certs.CreateCSR(rand.Reader, intD.Params, intKey, false)
	if err != nil {
		t.Fatal(err)
	}
	csrResp, err := certs.CSRData(certs.FormatPEM, certs.KeyFormatDefault, csr, intKey, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, leaked := csrResp["private_key"]; leaked {
		t.Fatal("internal generation must not return the key")
	}

	// vault write -format=json pki/root/sign-intermediate csr=@pki_int.csr format=pem_bundle ttl=43800h | jq -r '.data.certificate'
	format, err := certs.ParseSignIntermediateFormat("pem_bundle")
	if err != nil {
		t.Fatal(err)
	}
	rootCert, err := certs.ParseCertPEM(rootPEM)
	if err != nil {
		t.Fatal(err)
	}
	rootIssuer := &certs.Issuer{Cert: rootCert, Signer: rootKey.Signer}
	signLim := pkiMount
	signLim.Issuer = rootCert
	sid, err := DecideSignIntermediate(CAOptions{}, Request{CSR: csrResp["csr"].(string), TTL: 43800 * time.Hour}, false, signLim)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := certs.SignCSR(rand.Reader, sid.Params, sid.CSR, rootIssuer, sid.UseCSRValues)
	if err != nil {
		t.Fatal(err)
	}
	signedPEM := certs.SignIntermediateData(format, signed)["certificate"].(string)

	// vault write pki_int/intermediate/set-signed certificate=@signed_cert.pem
	set, err := certs.SetSigned(signedPEM, []crypto.PublicKey{intKey.Signer.Public()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	intCert := set.Certs[set.Issuer]
	intIssuer := &certs.Issuer{Cert: intCert, Signer: intKey.Signer, Chain: set.Chain}
	if intCert.Subject.CommonName != "Internal Intermediate CA" || len(set.Chain) != 1 || !set.Chain[0].Equal(rootCert) {
		t.Fatalf("set-signed: %s, chain of %d", intCert.Subject.CommonName, len(set.Chain))
	}

	// vault write pki_int/roles/myapp-service allowed_domains=internal.example.com allow_subdomains=true max_ttl=24h generate_lease=true
	role := DefaultRole()
	role.AllowedDomains = []string{"internal.example.com"}
	role.AllowSubdomains = true
	role.MaxTTL = 24 * time.Hour
	role.GenerateLease = true
	if role, err = role.Normalize(); err != nil {
		t.Fatal(err)
	}

	// vault write pki_int/issue/myapp-service common_name=api.internal.example.com ttl=8h
	issueLim := pkiIntMount
	issueLim.Issuer = intCert
	leafD, err := DecideIssue(role, Request{CommonName: "api.internal.example.com", TTL: 8 * time.Hour}, issueLim)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := certs.IssueWithKey(rand.Reader, leafD.Params, genKey(t, leafD), intIssuer)
	if err != nil {
		t.Fatal(err)
	}
	issueResp, err := certs.IssueData(certs.FormatPEM, certs.KeyFormatDefault, leaf, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := issueResp["ca_chain"].([]string); len(got) != 2 {
		t.Fatalf("ca_chain has %d certificates, want intermediate and root", len(got))
	}
	if exp := time.Unix(issueResp["expiration"].(int64), 0); exp.Sub(now) > 8*time.Hour || exp.Sub(now) < 8*time.Hour-time.Minute {
		t.Fatalf("expiration %v is not ttl=8h from now", exp)
	}

	// Foreign names are refused on the same role.
	if _, err := DecideIssue(role, Request{CommonName: "api.evil.com"}, issueLim); err == nil || err.Error() != "common name api.evil.com not allowed by this role" {
		t.Fatalf("foreign CN: %v", err)
	}

	leafPEM := issueResp["certificate"].(string)
	intPEM := issueResp["issuing_ca"].(string)
	leafCert, err := certs.ParseCertPEM(leafPEM)
	if err != nil {
		t.Fatal(err)
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(rootPEM))
	inters.AppendCertsFromPEM([]byte(intPEM))
	if _, err := leafCert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, DNSName: "api.internal.example.com"}); err != nil {
		t.Fatalf("crypto/x509: %v", err)
	}

	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rootFile := write("root.pem", rootPEM)
	intFile := write("int.pem", intPEM)
	leafFile := write("leaf.pem", leafPEM)
	write("signed_cert.pem", signedPEM)

	openssl := lookOpenSSL(t)
	out, err := exec.Command(openssl, "verify", "-CAfile", rootFile, "-untrusted", intFile, leafFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "leaf.pem: OK") {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
	out, err = exec.Command(openssl, "verify", "-purpose", "sslserver", "-verify_hostname", "api.internal.example.com",
		"-CAfile", rootFile, "-untrusted", intFile, leafFile).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl verify as TLS server: %v\n%s", err, out)
	}
	// The same check must fail without the intermediate, so it proves
	// something.
	if out, err := exec.Command(openssl, "verify", "-CAfile", rootFile, leafFile).CombinedOutput(); err == nil {
		t.Fatalf("openssl verified the leaf without its intermediate:\n%s", out)
	}
	// signed_cert.pem as the tutorial saved it serves as -untrusted too.
	out, err = exec.Command(openssl, "verify", "-CAfile", rootFile, "-untrusted", filepath.Join(dir, "signed_cert.pem"), leafFile).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl verify with signed_cert.pem: %v\n%s", err, out)
	}
}

func genKey(t *testing.T, d *Decision) *certs.PrivateKey {
	t.Helper()
	k, err := certs.GenerateKey(rand.Reader, d.KeyType, d.KeyBits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// lookOpenSSL finds the openssl binary or skips, saying so.
func lookOpenSSL(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not found on PATH: the openssl verify half of this test cannot run (crypto/x509 verification above passed)")
	}
	return p
}
