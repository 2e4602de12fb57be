package pki

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	xacme "golang.org/x/crypto/acme"
)

// acmeCert runs account, order, http-01 and finalize against one
// directory and returns the leaf.
func acmeCert(ctx context.Context, dirURL string, resp *challengeResponder, names ...string) (*x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	c := &xacme.Client{Key: key, DirectoryURL: dirURL}
	if _, err := c.Register(ctx, &xacme.Account{}, xacme.AcceptTOS); err != nil {
		return nil, err
	}
	o, err := c.AuthorizeOrder(ctx, xacme.DomainIDs(names...))
	if err != nil {
		return nil, err
	}
	for _, u := range o.AuthzURLs {
		a, err := c.GetAuthorization(ctx, u)
		if err != nil {
			return nil, err
		}
		for _, ch := range a.Challenges {
			if ch.Type != "http-01" {
				continue
			}
			ka, err := c.HTTP01ChallengeResponse(ch.Token)
			if err != nil {
				return nil, err
			}
			resp.mu.Lock()
			resp.keys[c.HTTP01ChallengePath(ch.Token)] = ka
			resp.mu.Unlock()
			if _, err := c.Accept(ctx, ch); err != nil {
				return nil, err
			}
		}
		if _, err := c.WaitAuthorization(ctx, u); err != nil {
			return nil, err
		}
	}
	ck, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, ck)
	if err != nil {
		return nil, err
	}
	chain, _, err := c.CreateOrderCert(ctx, o.FinalizeURL, csr, true)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(chain[0])
}

// TestACMERoleAndIssuerDirectories: roles/:role/acme and
// issuer/:ref/roles/:role/acme serve directories bounded by their role
// and signed by their issuer, within config/acme allowed_roles; a
// partial config/acme write keeps the fields it does not name.
func TestACMERoleAndIssuerDirectories(t *testing.T) {
	e := newEnv(t)
	_, intM, _, signedPEM := e.tutorial()
	srv := mountHTTP(t, intM)
	t.Cleanup(srv.Close)
	resp := e.challengeResponder(t, "pki_int")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	e.write(intM, "roles/myapp-service", map[string]any{"allowed_domains": "internal.example.com", "allow_subdomains": true, "max_ttl": "24h", "key_type": "any"})
	e.write(intM, "roles/other", map[string]any{"allowed_domains": "other.example.com", "allow_subdomains": true, "max_ttl": "24h", "key_type": "any"})
	e.write(intM, "config/cluster", map[string]any{"path": srv.URL + "/v1/pki_int"})
	e.write(intM, "config/acme", map[string]any{"enabled": true, "default_directory_policy": "role:myapp-service"})
	e.write(intM, "config/acme", map[string]any{"allowed_roles": "other"})
	cfg := e.read(intM, "config/acme").Data
	require.Equal(t, true, cfg["enabled"], "a partial write keeps enabled")
	require.Equal(t, []string{"other"}, cfg["allowed_roles"])
	require.Equal(t, []string{"*"}, cfg["allowed_issuers"])

	base := srv.URL + "/v1/pki_int/"
	leaf, err := acmeCert(ctx, base+"roles/other/acme/directory", resp, "a.other.example.com")
	require.NoError(t, err)
	require.Equal(t, []string{"a.other.example.com"}, leaf.DNSNames)
	require.NoError(t, leaf.CheckSignatureFrom(parsePEM(t, signedPEM)), "signed by the role's issuer")

	_, err = acmeCert(ctx, base+"roles/other/acme/directory", resp, "a.internal.example.com")
	require.Error(t, err, "the role's domains bound its directory")
	_, err = acmeCert(ctx, base+"roles/myapp-service/acme/directory", resp, "a.internal.example.com")
	require.Error(t, err, "a role outside allowed_roles has no directory")

	leaf, err = acmeCert(ctx, base+"issuer/default/roles/other/acme/directory", resp, "b.other.example.com")
	require.NoError(t, err)
	require.NoError(t, leaf.CheckSignatureFrom(parsePEM(t, signedPEM)))
	_, err = acmeCert(ctx, base+"issuer/nonesuch/acme/directory", resp, "b.other.example.com")
	require.Error(t, err)

	// The default directory still follows default_directory_policy.
	leaf, err = acmeCert(ctx, base+"acme/directory", resp, "c.internal.example.com")
	require.NoError(t, err)
	require.Equal(t, []string{"c.internal.example.com"}, leaf.DNSNames)
}
