package policy

import (
	"encoding/asn1"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

// Role is a PKI role with Vault's fields (roles/:name). The zero value is
// not Vault's default: start from DefaultRole.
type Role struct {
	TTL    time.Duration `json:"ttl"`
	MaxTTL time.Duration `json:"max_ttl"`

	AllowLocalhost            bool     `json:"allow_localhost"`
	AllowedDomains            []string `json:"allowed_domains"`
	AllowBareDomains          bool     `json:"allow_bare_domains"`
	AllowSubdomains           bool     `json:"allow_subdomains"`
	AllowGlobDomains          bool     `json:"allow_glob_domains"`
	AllowWildcardCertificates bool     `json:"allow_wildcard_certificates"`
	AllowAnyName              bool     `json:"allow_any_name"`
	EnforceHostnames          bool     `json:"enforce_hostnames"`
	AllowIPSANs               bool     `json:"allow_ip_sans"`
	AllowedURISANs            []string `json:"allowed_uri_sans"`
	AllowedOtherSANs          []string `json:"allowed_other_sans"`
	AllowedSerialNumbers      []string `json:"allowed_serial_numbers"`

	ServerFlag          bool     `json:"server_flag"`
	ClientFlag          bool     `json:"client_flag"`
	CodeSigningFlag     bool     `json:"code_signing_flag"`
	EmailProtectionFlag bool     `json:"email_protection_flag"`
	KeyUsage            []string `json:"key_usage"`
	ExtKeyUsage         []string `json:"ext_key_usage"`
	ExtKeyUsageOIDs     []string `json:"ext_key_usage_oids"`

	KeyType       string `json:"key_type"`
	KeyBits       int    `json:"key_bits"`
	SignatureBits int    `json:"signature_bits"`
	UsePSS        bool   `json:"use_pss"`

	OU            []string `json:"ou"`
	Organization  []string `json:"organization"`
	Country       []string `json:"country"`
	Locality      []string `json:"locality"`
	Province      []string `json:"province"`
	StreetAddress []string `json:"street_address"`
	PostalCode    []string `json:"postal_code"`

	GenerateLease                 bool          `json:"generate_lease"`
	NoStore                       bool          `json:"no_store"`
	RequireCN                     bool          `json:"require_cn"`
	CNValidations                 []string      `json:"cn_validations"`
	UseCSRCommonName              bool          `json:"use_csr_common_name"`
	UseCSRSANs                    bool          `json:"use_csr_sans"`
	BasicConstraintsValidForNonCA bool          `json:"basic_constraints_valid_for_non_ca"`
	NotBeforeDuration             time.Duration `json:"not_before_duration"`
	IssuerRef                     string        `json:"issuer_ref"`

	// MaxPathLength is only set on the built-in roles of CA operations
	// (max_path_length); nil derives it from the issuer.
	MaxPathLength *int `json:"max_path_length,omitempty"`
}

// DefaultRole is a role with every field at Vault's default, the base a
// roles/:name write starts from.
func DefaultRole() Role {
	return Role{
		AllowLocalhost:            true,
		AllowWildcardCertificates: true,
		EnforceHostnames:          true,
		AllowIPSANs:               true,
		ServerFlag:                true,
		ClientFlag:                true,
		KeyType:                   certs.KeyRSA,
		KeyUsage:                  []string{"DigitalSignature", "KeyAgreement", "KeyEncipherment"},
		ExtKeyUsage:               []string{},
		UseCSRCommonName:          true,
		UseCSRSANs:                true,
		RequireCN:                 true,
		CNValidations:             []string{"email", "hostname"},
		NotBeforeDuration:         30 * time.Second,
		IssuerRef:                 "default",
	}
}

// Normalize validates a role as a roles/:name write does and fills the
// derived defaults (key_bits, signature_bits, cn_validations, issuer_ref),
// returning the role to store. The messages are Vault's.
func (r Role) Normalize() (Role, error) {
	if r.MaxTTL > 0 && r.TTL > r.MaxTTL {
		return r, certs.Refusef(`"ttl" value must be less than "max_ttl" value`)
	}
	var err error
	if r.KeyBits, r.SignatureBits, err = certs.NormalizeKeyParams(r.KeyType, r.KeyBits, r.SignatureBits); err != nil {
		return r, err
	}
	for _, s := range r.ExtKeyUsageOIDs {
		if _, err := certs.ParseOID(s); err != nil {
			return r, certs.Refusef("%q could not be parsed as a valid oid for an extended key usage", s)
		}
	}
	if len(r.AllowedOtherSANs) > 0 && !(len(r.AllowedOtherSANs) == 1 && r.AllowedOtherSANs[0] == "*") {
		if _, err := certs.ParseOtherSANs(r.AllowedOtherSANs); err != nil {
			return r, certs.Refusef("error parsing allowed_other_sans: %v", err)
		}
	}
	if r.IssuerRef == "" {
		r.IssuerRef = "default"
	}
	if r.CNValidations, err = checkCNValidations(r.CNValidations); err != nil {
		return r, err
	}
	return r, nil
}

func checkCNValidations(in []string) ([]string, error) {
	if len(in) == 0 {
		return []string{"email", "hostname"}, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, v := range in {
		v = strings.ToLower(v)
		switch v {
		case "disabled", "email", "hostname":
			if seen[v] {
				return nil, certs.Refusef("cn_validations value incorrect: `%s` specified multiple times", v)
			}
			seen[v] = true
		default:
			return nil, certs.Refusef("cn_validations value incorrect: unknown type: `%s`", v)
		}
		out = append(out, v)
	}
	if seen["disabled"] && (seen["email"] || seen["hostname"]) {
		return nil, certs.Refusef("cn_validations value incorrect: cannot specify `disabled` along with `email` or `hostname`")
	}
	return out, nil
}

// Data is the role as roles/:name reads it (Vault's field names; TTLs in
// seconds).
func (r Role) Data() map[string]any {
	orEmpty := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	d := map[string]any{
		"ttl":                                int64(r.TTL / time.Second),
		"max_ttl":                            int64(r.MaxTTL / time.Second),
		"allow_localhost":                    r.AllowLocalhost,
		"allowed_domains":                    orEmpty(r.AllowedDomains),
		"allowed_domains_template":           false,
		"allow_bare_domains":                 r.AllowBareDomains,
		"allow_token_displayname":            false,
		"allow_subdomains":                   r.AllowSubdomains,
		"allow_glob_domains":                 r.AllowGlobDomains,
		"allow_wildcard_certificates":        r.AllowWildcardCertificates,
		"allow_any_name":                     r.AllowAnyName,
		"allowed_uri_sans_template":          false,
		"enforce_hostnames":                  r.EnforceHostnames,
		"allow_ip_sans":                      r.AllowIPSANs,
		"server_flag":                        r.ServerFlag,
		"client_flag":                        r.ClientFlag,
		"code_signing_flag":                  r.CodeSigningFlag,
		"email_protection_flag":              r.EmailProtectionFlag,
		"use_csr_common_name":                r.UseCSRCommonName,
		"use_csr_sans":                       r.UseCSRSANs,
		"key_type":                           r.KeyType,
		"key_bits":                           r.KeyBits,
		"signature_bits":                     r.SignatureBits,
		"use_pss":                            r.UsePSS,
		"key_usage":                          orEmpty(r.KeyUsage),
		"ext_key_usage":                      orEmpty(r.ExtKeyUsage),
		"ext_key_usage_oids":                 orEmpty(r.ExtKeyUsageOIDs),
		"ou":                                 orEmpty(r.OU),
		"organization":                       orEmpty(r.Organization),
		"country":                            orEmpty(r.Country),
		"locality":                           orEmpty(r.Locality),
		"province":                           orEmpty(r.Province),
		"street_address":                     orEmpty(r.StreetAddress),
		"postal_code":                        orEmpty(r.PostalCode),
		"generate_lease":                     r.GenerateLease,
		"no_store":                           r.NoStore,
		"allowed_other_sans":                 orEmpty(r.AllowedOtherSANs),
		"allowed_serial_numbers":             orEmpty(r.AllowedSerialNumbers),
		"allowed_uri_sans":                   orEmpty(r.AllowedURISANs),
		"require_cn":                         r.RequireCN,
		"cn_validations":                     orEmpty(r.CNValidations),
		"policy_identifiers":                 []string{},
		"basic_constraints_valid_for_non_ca": r.BasicConstraintsValidForNonCA,
		"not_before_duration":                int64(r.NotBeforeDuration / time.Second),
		"issuer_ref":                         r.IssuerRef,
	}
	if r.MaxPathLength != nil {
		d["max_path_length"] = *r.MaxPathLength
	}
	return d
}

// extKeyUsage is the role's extended key usages: the flags, then the
// ext_key_usage names.
func (r Role) extKeyUsage() certs.ExtKeyUsage {
	set := certs.ParseExtKeyUsages(r.ExtKeyUsage)
	if r.ServerFlag {
		set |= certs.EKUServerAuth
	}
	if r.ClientFlag {
		set |= certs.EKUClientAuth
	}
	if r.CodeSigningFlag {
		set |= certs.EKUCodeSigning
	}
	if r.EmailProtectionFlag {
		set |= certs.EKUEmailProtection
	}
	return set
}

func (r Role) extKeyUsageOIDs() ([]asn1.ObjectIdentifier, error) {
	var out []asn1.ObjectIdentifier
	for _, s := range r.ExtKeyUsageOIDs {
		oid, err := certs.ParseOID(s)
		if err != nil {
			return nil, fmt.Errorf("pki: role ext_key_usage_oids: %w", err)
		}
		out = append(out, oid)
	}
	return out, nil
}
