package certs

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// URLs is config/urls: the Authority Information Access and distribution
// point URLs written into every certificate an issuer signs, and the delta
// CRL locations written into certificates and complete CRLs.
type URLs struct {
	IssuingCertificates        []string `json:"issuing_certificates"`
	CRLDistributionPoints      []string `json:"crl_distribution_points"`
	DeltaCRLDistributionPoints []string `json:"delta_crl_distribution_points"`
	OCSPServers                []string `json:"ocsp_servers"`
	EnableTemplating           bool     `json:"enable_templating"`
}

// Empty reports whether no URL is configured (Vault then warns that the
// mount has no AIA fields).
func (u URLs) Empty() bool {
	return len(u.IssuingCertificates) == 0 && len(u.CRLDistributionPoints) == 0 && len(u.OCSPServers) == 0
}

// Template placeholders of config/urls with enable_templating=true.
const (
	placeholderIssuerID    = "{{issuer_id}}"
	placeholderClusterPath = "{{cluster_path}}"
	placeholderClusterAIA  = "{{cluster_aia_path}}"
)

// Validate checks a config/urls write as Vault does: with templating off
// every URL must be absolute (scheme and host) and free of placeholders.
// With templating on, URLs are checked when they are expanded.
func (u URLs) Validate() error {
	if u.EnableTemplating {
		return nil
	}
	for _, f := range u.fields() {
		if bad := firstBadURL(*f.list); bad != "" {
			return Refusef("invalid URL found in Authority Information Access (AIA) parameter %s: %s", f.name, bad)
		}
	}
	return nil
}

// ClusterPaths are config/cluster's path and aia_path, the values of
// {{cluster_path}} and {{cluster_aia_path}}.
type ClusterPaths struct {
	Path    string
	AIAPath string
}

// ErrTemplate is matched when templated URLs cannot be expanded.
var ErrTemplate = errors.New("pki: cannot template AIA URLs")

// Expand gives the URLs an issuer writes into certificates: placeholders
// replaced by the issuer's id and the cluster paths when templating is on.
// issuerID is empty while a root is generated (it has no id yet); a
// template naming {{issuer_id}} then fails with ErrTemplate, and Vault
// drops the URLs from the root with a warning (see ExpandForRoot).
func (u URLs) Expand(issuerID string, cluster ClusterPaths) (URLs, error) {
	out := URLs{
		IssuingCertificates:        clone(u.IssuingCertificates),
		CRLDistributionPoints:      clone(u.CRLDistributionPoints),
		DeltaCRLDistributionPoints: clone(u.DeltaCRLDistributionPoints),
		OCSPServers:                clone(u.OCSPServers),
	}
	if !u.EnableTemplating || u.Empty() {
		return out, nil
	}
	for _, f := range out.fields() {
		for i, raw := range *f.list {
			if strings.Contains(raw, placeholderClusterPath) && cluster.Path == "" {
				return URLs{}, fmt.Errorf("%w: unable to template AIA URLs as we lack local cluster address information (path)", ErrTemplate)
			}
			if strings.Contains(raw, placeholderClusterAIA) && cluster.AIAPath == "" {
				return URLs{}, fmt.Errorf("%w: unable to template AIA URLs as we lack local cluster address information (aia_path)", ErrTemplate)
			}
			if strings.Contains(raw, placeholderIssuerID) && issuerID == "" {
				return URLs{}, fmt.Errorf("%w: unable to template AIA URLs as we lack an issuer_id for this operation", ErrTemplate)
			}
			raw = strings.ReplaceAll(raw, placeholderClusterPath, cluster.Path)
			raw = strings.ReplaceAll(raw, placeholderClusterAIA, cluster.AIAPath)
			(*f.list)[i] = strings.ReplaceAll(raw, placeholderIssuerID, issuerID)
		}
		if bad := firstBadURL(*f.list); bad != "" {
			return URLs{}, fmt.Errorf("%w: error validating templated %v; invalid URI: %v", ErrTemplate, f.name, bad)
		}
	}
	return out, nil
}

// RootURLWarning is Vault's warning when a root is generated while the
// global URLs template {{issuer_id}}.
const RootURLWarning = "When generating root CA, found global AIA configuration with issuer_id template unsuitable for root generation. This AIA configuration has been ignored. To include AIA on this root CA, set the global AIA configuration to not include issuer_id and instead to refer to a static issuer name."

// ExpandForRoot expands the global URLs for a new self-signed root, which
// has no issuer id yet: a template that needs one is dropped with Vault's
// warning; any other templating failure is an error.
func (u URLs) ExpandForRoot(cluster ClusterPaths) (URLs, []string, error) {
	out, err := u.Expand("", cluster)
	if err == nil {
		return out, nil, nil
	}
	if _, err2 := u.Expand("empty-issuer-id", cluster); err2 != nil {
		return URLs{}, nil, fmt.Errorf("%w\nUsing templated AIA URL's {{issuer_id}} field when generating root certificates is not supported", err)
	}
	return URLs{}, []string{RootURLWarning}, nil
}

type urlField struct {
	name string
	list *[]string
}

func (u *URLs) fields() []urlField {
	return []urlField{
		{"issuing_certificates", &u.IssuingCertificates},
		{"crl_distribution_points", &u.CRLDistributionPoints},
		{"delta_crl_distribution_points", &u.DeltaCRLDistributionPoints},
		{"ocsp_servers", &u.OCSPServers},
	}
}

func firstBadURL(list []string) string {
	for _, raw := range list {
		p, err := url.Parse(raw)
		if err != nil || p.Scheme == "" || p.Host == "" ||
			strings.Contains(raw, placeholderIssuerID) ||
			strings.Contains(raw, placeholderClusterPath) ||
			strings.Contains(raw, placeholderClusterAIA) {
			return raw
		}
	}
	return ""
}

func clone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

// OIDs of the CRL extensions this package writes.
var (
	// OIDFreshestCRL is the Freshest CRL (delta CRL distribution points)
	// extension, RFC 5280 4.2.1.15.
	OIDFreshestCRL = asn1.ObjectIdentifier{2, 5, 29, 46}
	// OIDDeltaCRLIndicator marks a delta CRL, RFC 5280 5.2.4.
	OIDDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}
)

// FreshestCRLExtension lists delta CRL locations (non-critical, the same
// syntax as CRL distribution points), for certificates and complete CRLs.
func FreshestCRLExtension(urls []string) (pkix.Extension, error) {
	type distributionPointName struct {
		FullName []asn1.RawValue `asn1:"optional,tag:0"`
	}
	type distributionPoint struct {
		DistributionPoint distributionPointName `asn1:"optional,tag:0"`
	}
	points := make([]distributionPoint, 0, len(urls))
	for _, u := range urls {
		points = append(points, distributionPoint{DistributionPoint: distributionPointName{
			FullName: []asn1.RawValue{{Tag: 6, Class: asn1.ClassContextSpecific, Bytes: []byte(u)}},
		}})
	}
	val, err := asn1.Marshal(points)
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("pki: marshal freshest CRL extension: %w", err)
	}
	return pkix.Extension{Id: OIDFreshestCRL, Value: val}, nil
}
