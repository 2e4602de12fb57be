package policy

import (
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

// CAOptions are the request fields of the CA paths (root/generate,
// intermediate/generate, root/sign-intermediate) beyond Request.
type CAOptions struct {
	KeyType       string // key_type (rsa by default)
	KeyBits       int    // key_bits
	SignatureBits int    // signature_bits
	UsePSS        bool   // use_pss

	OU            []string // ou
	Organization  []string // organization
	Country       []string // country
	Locality      []string // locality
	Province      []string // province
	StreetAddress []string // street_address
	PostalCode    []string // postal_code

	NotBeforeDuration   time.Duration // not_before_duration (30s by default)
	MaxPathLength       *int          // max_path_length (-1: none)
	PermittedDNSDomains []string      // permitted_dns_domains
	// KeyUsage and ExtKeyUsage are the CA's key_usage / ext_key_usage
	// when the request sets them (only DigitalSignature is added to a
	// CA's CertSign and CRLSign).
	KeyUsage    []string
	ExtKeyUsage []string
}

// generationRole is the built-in role of root and intermediate generation
// (Vault's getGenerationParams): any name, no hostname enforcement, the
// request's subject fields.
func (o CAOptions) generationRole(ttl time.Duration) (Role, error) {
	keyType := o.KeyType
	if keyType == "" {
		keyType = certs.KeyRSA
	}
	bits, sig, err := certs.NormalizeKeyParams(keyType, o.KeyBits, o.SignatureBits)
	if err != nil {
		return Role{}, err
	}
	r := o.caRole(ttl)
	r.KeyType, r.KeyBits, r.SignatureBits = keyType, bits, sig
	return r, nil
}

// caRole is what the built-in roles of the CA paths share: any name, IP,
// URI, other SAN and subject serial, no hostname enforcement or CN checks,
// and the request's subject fields and validity options.
func (o CAOptions) caRole(ttl time.Duration) Role {
	return Role{
		TTL:                       ttl,
		SignatureBits:             o.SignatureBits,
		UsePSS:                    o.UsePSS,
		AllowLocalhost:            true,
		AllowAnyName:              true,
		AllowIPSANs:               true,
		AllowWildcardCertificates: true,
		AllowedURISANs:            []string{"*"},
		AllowedOtherSANs:          []string{"*"},
		AllowedSerialNumbers:      []string{"*"},
		OU:                        o.OU,
		Organization:              o.Organization,
		Country:                   o.Country,
		Locality:                  o.Locality,
		Province:                  o.Province,
		StreetAddress:             o.StreetAddress,
		PostalCode:                o.PostalCode,
		NotBeforeDuration:         o.notBeforeDuration(),
		CNValidations:             []string{"disabled"},
		MaxPathLength:             o.MaxPathLength,
	}
}

func (o CAOptions) notBeforeDuration() time.Duration {
	if o.NotBeforeDuration > 0 {
		return o.NotBeforeDuration
	}
	return 30 * time.Second
}

// caParams applies the CA-only fields to decided parameters.
func (o CAOptions) caParams(p *certs.Params) {
	p.IsCA = true
	p.PermittedDNSDomains = o.PermittedDNSDomains
	p.KeyUsage = certs.ParseKeyUsages(o.KeyUsage)
	p.ExtKeyUsage = certs.ParseExtKeyUsages(o.ExtKeyUsage)
	p.ExtKeyUsageOIDs = nil
}

// DecideRoot is root/generate/:type: a self-signed CA of the requested key
// type for req's subject, valid for ttl (capped by the mount's max lease
// TTL). lim.Issuer must be nil; lim.URLs are the global URLs expanded for
// a root (certs.URLs.ExpandForRoot).
func DecideRoot(o CAOptions, req Request, lim Limits) (*Decision, error) {
	role, err := o.generationRole(req.TTL)
	if err != nil {
		return nil, err
	}
	lim.Issuer = nil
	p, warnings, err := role.creation(req, nil, lim)
	if err != nil {
		return nil, err
	}
	o.caParams(&p)
	p.URLs = lim.URLs
	return &Decision{Params: p, Role: role, KeyType: role.KeyType, KeyBits: role.KeyBits, Warnings: warnings}, nil
}

// DecideIntermediateCSR is intermediate/generate/:type and
// intermediate/cross-sign: the subject and names of the CSR and the key
// to generate (or the existing key's type, for cross-sign).
func DecideIntermediateCSR(o CAOptions, req Request, lim Limits) (*Decision, error) {
	role, err := o.generationRole(req.TTL)
	if err != nil {
		return nil, err
	}
	lim.Issuer = nil
	p, warnings, err := role.creation(req, nil, lim)
	if err != nil {
		return nil, err
	}
	return &Decision{Params: p, Role: role, KeyType: role.KeyType, KeyBits: role.KeyBits, Warnings: warnings}, nil
}

// ExpiresAfterIssuerWarning is Vault's warning when a signed intermediate
// outlives its signer.
const ExpiresAfterIssuerWarning = "The expiration time for the signed certificate is after the CA's expiration time. If the new certificate is not treated as a root, validation paths with the certificate past the issuing CA's expiration time will fail."

// DecideSignIntermediate is root/sign-intermediate (and
// issuer/:ref/sign-intermediate): any CSR key, any names, the CSR's common
// name unless common_name is given, and an intermediate may outlive its
// signer (leaf_not_after_behavior does not apply), with a warning.
// useCSRValues copies the CSR's subject and extensions verbatim.
func DecideSignIntermediate(o CAOptions, req Request, useCSRValues bool, lim Limits) (*Decision, error) {
	role := o.caRole(req.TTL)
	role.KeyType = certs.KeyAny
	role.UseCSRCommonName = req.CommonName == ""
	lim.LeafNotAfterBehavior = NotAfterPermit
	d, err := decideSign(role, req, lim, true)
	if err != nil {
		return nil, err
	}
	o.caParams(&d.Params)
	d.UseCSRValues = useCSRValues
	if lim.Issuer != nil && lim.Issuer.NotAfter.Before(d.Params.NotAfter) {
		d.Warnings = append(d.Warnings, ExpiresAfterIssuerWarning)
	}
	return d, nil
}

// VerbatimOptions are sign-verbatim's own fields.
type VerbatimOptions struct {
	KeyUsage                      []string
	ExtKeyUsage                   []string
	ExtKeyUsageOIDs               []string
	SignatureBits                 int
	UsePSS                        bool
	BasicConstraintsValidForNonCA *bool
}

// DecideSignVerbatim is sign-verbatim[/:role]: the CSR is signed as it is
// (subject, SANs and extensions), with only validity, key usages and, when
// a role is named, its ttl, max_ttl, generate_lease, no_store,
// not_before_duration and issuer taken from the role.
func DecideSignVerbatim(base *Role, req Request, o VerbatimOptions, lim Limits) (*Decision, error) {
	role := Role{
		AllowLocalhost:            true,
		AllowAnyName:              true,
		AllowIPSANs:               true,
		AllowWildcardCertificates: true,
		KeyType:                   certs.KeyAny,
		UseCSRCommonName:          true,
		UseCSRSANs:                true,
		AllowedOtherSANs:          []string{"*"},
		AllowedSerialNumbers:      []string{"*"},
		AllowedURISANs:            []string{"*"},
		CNValidations:             []string{"disabled"},
		KeyUsage:                  o.KeyUsage,
		ExtKeyUsage:               o.ExtKeyUsage,
		ExtKeyUsageOIDs:           o.ExtKeyUsageOIDs,
		SignatureBits:             o.SignatureBits,
		UsePSS:                    o.UsePSS,
		IssuerRef:                 "default",
	}
	if o.BasicConstraintsValidForNonCA != nil {
		role.BasicConstraintsValidForNonCA = *o.BasicConstraintsValidForNonCA
	}
	if base != nil {
		if base.TTL > 0 {
			role.TTL = base.TTL
		}
		if base.MaxTTL > 0 {
			role.MaxTTL = base.MaxTTL
		}
		role.GenerateLease = base.GenerateLease
		if base.NotBeforeDuration > 0 {
			role.NotBeforeDuration = base.NotBeforeDuration
		}
		role.NoStore = base.NoStore
		if base.IssuerRef != "" {
			role.IssuerRef = base.IssuerRef
		}
		if o.BasicConstraintsValidForNonCA == nil {
			role.BasicConstraintsValidForNonCA = base.BasicConstraintsValidForNonCA
		}
	}
	d, err := decideSign(role, req, lim, false)
	if err != nil {
		return nil, err
	}
	d.UseCSRValues = true
	return d, nil
}
