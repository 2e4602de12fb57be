package certs

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestURLsValidate(t *testing.T) {
	ok := URLs{IssuingCertificates: []string{"http://127.0.0.1:8200/v1/pki/ca"}, OCSPServers: []string{"https://ocsp.example.com"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		u    URLs
		want string
	}{
		{URLs{IssuingCertificates: []string{"/v1/pki/ca"}}, "invalid URL found in Authority Information Access (AIA) parameter issuing_certificates: /v1/pki/ca"},
		{URLs{CRLDistributionPoints: []string{"http://"}}, "invalid URL found in Authority Information Access (AIA) parameter crl_distribution_points: http://"},
		{URLs{OCSPServers: []string{"http://x/{{issuer_id}}"}}, "invalid URL found in Authority Information Access (AIA) parameter ocsp_servers: http://x/{{issuer_id}}"},
	} {
		if err := c.u.Validate(); err == nil || err.Error() != c.want || !IsRefusal(err) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
}

func TestURLsExpand(t *testing.T) {
	u := URLs{
		EnableTemplating:      true,
		IssuingCertificates:   []string{"{{cluster_aia_path}}/issuer/{{issuer_id}}/der"},
		CRLDistributionPoints: []string{"{{cluster_aia_path}}/issuer/{{issuer_id}}/crl/der"},
		OCSPServers:           []string{"{{cluster_path}}/ocsp"},
	}
	cluster := ClusterPaths{Path: "https://node1:8200/v1/pki", AIAPath: "http://aia.example.com/v1/pki"}
	got, err := u.Expand("5f1c", cluster)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.IssuingCertificates, []string{"http://aia.example.com/v1/pki/issuer/5f1c/der"}) ||
		!slices.Equal(got.OCSPServers, []string{"https://node1:8200/v1/pki/ocsp"}) {
		t.Fatalf("expanded %+v", got)
	}
	if u.IssuingCertificates[0] != "{{cluster_aia_path}}/issuer/{{issuer_id}}/der" {
		t.Fatal("Expand modified its receiver")
	}
	if _, err := u.Expand("5f1c", ClusterPaths{Path: "https://n"}); !errors.Is(err, ErrTemplate) || !strings.Contains(err.Error(), "(aia_path)") {
		t.Fatalf("err = %v", err)
	}
	// A root has no issuer id yet: Vault drops the URLs with a warning.
	urls, warnings, err := u.ExpandForRoot(cluster)
	if err != nil || !urls.Empty() || len(warnings) != 1 || warnings[0] != RootURLWarning {
		t.Fatalf("root expansion: %+v %v %v", urls, warnings, err)
	}
	// Without templating URLs pass through unchanged.
	plain := URLs{IssuingCertificates: []string{"http://a/ca"}}
	if got, err := plain.Expand("", ClusterPaths{}); err != nil || got.IssuingCertificates[0] != "http://a/ca" {
		t.Fatalf("plain: %+v %v", got, err)
	}
}
