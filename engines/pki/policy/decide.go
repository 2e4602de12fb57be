package policy

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

// Request is what an issue or sign request asks for (Vault's field names
// in the comments).
type Request struct {
	CommonName string   // common_name
	AltNames   string   // alt_names: comma-separated DNS names and emails
	IPSANs     []string // ip_sans
	URISANs    []string // uri_sans
	OtherSANs  []string // other_sans: "<oid>;UTF8:<value>"
	// SerialNumber is the subject's serial_number attribute, not the
	// certificate serial.
	SerialNumber      string
	TTL               time.Duration // ttl
	NotAfter          string        // not_after, RFC 3339
	ExcludeCNFromSANs bool          // exclude_cn_from_sans

	// KeyType and KeyBits are key_type/key_bits of issue/:role, used only
	// when the role's key_type is "any".
	KeyType string
	KeyBits int

	// CSR is the PEM csr of the sign paths.
	CSR string
	// SKID is sign-intermediate's skid (hex, ':' '-' ' ' separators
	// allowed), for cross-signing.
	SKID string
}

// Decision is what policy allows: the certificate's parameters, the key
// to generate (issue) or the parsed CSR (sign), and Vault's warnings.
type Decision struct {
	Params certs.Params
	// Role is the role the decision applied (a built-in one for CA and
	// sign-verbatim paths): generate_lease and no_store come from it.
	Role Role
	// KeyType and KeyBits are the key to generate (issue, CA generation).
	KeyType string
	KeyBits int
	// CSR is the parsed request of the sign paths.
	CSR *x509.CertificateRequest
	// UseCSRValues tells certs.SignCSR to copy the CSR verbatim.
	UseCSRValues bool
	Warnings     []string
}

// DecideIssue is issue/:role: the engine will generate the key.
func DecideIssue(role Role, req Request, lim Limits) (*Decision, error) {
	var warnings []string
	if role.KeyType == certs.KeyAny {
		if req.KeyType == "" {
			return nil, certs.Refusef(`role key type "any" not allowed for issuing certificates without providing key_type and/or key_bits request parameters`)
		}
		role.KeyType = req.KeyType
		if req.KeyBits != 0 {
			role.KeyBits = req.KeyBits
		}
		var err error
		if role.KeyBits, role.SignatureBits, err = certs.NormalizeKeyParams(role.KeyType, role.KeyBits, role.SignatureBits); err != nil {
			return nil, certs.Refusef("failed to validate role: %v", err)
		}
	} else if req.KeyType != "" || req.KeyBits != 0 {
		warnings = append(warnings, "parameters key_type and key_bits ignored as role had specific values")
	}
	if role.KeyType == certs.KeyRSA && role.KeyBits < 2048 {
		return nil, certs.Refusef("RSA keys < 2048 bits are unsafe and not supported")
	}
	p, w, err := role.creation(req, nil, lim)
	if err != nil {
		return nil, err
	}
	return &Decision{Params: p, Role: role, KeyType: role.KeyType, KeyBits: role.KeyBits, Warnings: append(warnings, w...)}, nil
}

// DecideSign is sign/:role: the CSR must parse, carry a key the role
// accepts, and ask only for names the role allows (the CSR's common name
// and SANs when use_csr_common_name / use_csr_sans are set).
func DecideSign(role Role, req Request, lim Limits) (*Decision, error) {
	return decideSign(role, req, lim, false)
}

func decideSign(role Role, req Request, lim Limits, isCA bool) (*Decision, error) {
	csr, err := certs.ParseCSR(req.CSR)
	if err != nil {
		return nil, err
	}
	if role, err = role.checkCSRKey(csr); err != nil {
		return nil, err
	}
	p, w, err := role.creation(req, csr, lim)
	if err != nil {
		return nil, err
	}
	var warnings []string
	if !isCA {
		if role.UseCSRCommonName && req.CommonName != "" {
			warnings = append(warnings, `the common_name field was provided but the role is set with "use_csr_common_name" set to true`)
		}
		if role.UseCSRSANs && req.AltNames != "" {
			warnings = append(warnings, `the alt_names field was provided but the role is set with "use_csr_sans" set to true`)
		}
	}
	warnings = append(warnings, w...)
	if !isCA && certs.CSRHasBasicConstraints(csr) && !role.BasicConstraintsValidForNonCA {
		warnings = append(warnings, "specified CSR contained a Basic Constraints extension that was ignored during issuance")
	}
	return &Decision{Params: p, Role: role, CSR: csr, Warnings: warnings}, nil
}

// checkCSRKey is Vault's key check of signCert: the CSR's key must be of
// the role's type (any type for "any") and at least the role's size, and
// never RSA below 2048 bits. For "any" the role's sizes become the
// defaults of the CSR's key type.
func (r Role) checkCSRKey(csr *x509.CertificateRequest) (Role, error) {
	actualType, actualBits := "", 0
	wrongType := certs.Refusef("role requires keys of type %s", r.KeyType)
	switch r.KeyType {
	case certs.KeyRSA:
		k, ok := csr.PublicKey.(*rsa.PublicKey)
		if csr.PublicKeyAlgorithm != x509.RSA || !ok {
			return r, wrongType
		}
		actualType, actualBits = certs.KeyRSA, k.N.BitLen()
	case certs.KeyEC:
		k, ok := csr.PublicKey.(*ecdsa.PublicKey)
		if csr.PublicKeyAlgorithm != x509.ECDSA || !ok {
			return r, wrongType
		}
		actualType, actualBits = certs.KeyEC, k.Curve.Params().BitSize
	case certs.KeyEd25519:
		if _, ok := csr.PublicKey.(ed25519.PublicKey); csr.PublicKeyAlgorithm != x509.Ed25519 || !ok {
			return r, wrongType
		}
		actualType = certs.KeyEd25519
	case certs.KeyAny:
		switch k := csr.PublicKey.(type) {
		case *rsa.PublicKey:
			if k.N.BitLen() < 2048 {
				return r, certs.Refusef("RSA keys < 2048 bits are unsafe and not supported")
			}
			actualType, actualBits = certs.KeyRSA, k.N.BitLen()
		case *ecdsa.PublicKey:
			actualType, actualBits = certs.KeyEC, k.Curve.Params().BitSize
		case ed25519.PublicKey:
			actualType = certs.KeyEd25519
		default:
			return r, certs.Refusef("Unknown key type in CSR: %s", csr.PublicKeyAlgorithm)
		}
		// The role's minimum becomes the default of the CSR's key type;
		// P-224 stays acceptable for signing, as in Vault.
		var err error
		if r.KeyBits, r.SignatureBits, err = certs.NormalizeKeyParams(actualType, 0, r.SignatureBits); err != nil {
			return r, err
		}
		if actualType == certs.KeyEC {
			r.KeyBits = 224
		}
	default:
		return r, certs.Refusef("unsupported key type value: %s", r.KeyType)
	}
	switch actualType {
	case certs.KeyRSA:
		if actualBits < r.KeyBits {
			return r, certs.Refusef("role requires a minimum of a %d-bit key, but CSR's key is %d bits", r.KeyBits, actualBits)
		}
		if actualBits < 2048 {
			return r, certs.Refusef("Vault requires a minimum of a 2048-bit key, but CSR's key is %d bits", actualBits)
		}
	case certs.KeyEC:
		if actualBits < r.KeyBits {
			return r, certs.Refusef("role requires a minimum of a %d-bit key, but CSR's key is %d bits", r.KeyBits, actualBits)
		}
	}
	return r, nil
}

// creation is Vault's generateCreationBundle: names (CN, alt_names, the
// CSR's SANs), each checked against the role in Vault's order; other, IP
// and URI SANs; the subject; validity; and the issuer-derived fields.
func (r Role) creation(req Request, csr *x509.CertificateRequest, lim Limits) (certs.Params, []string, error) {
	var none certs.Params
	cn := ""
	if csr != nil && r.UseCSRCommonName {
		cn = csr.Subject.CommonName
	}
	if cn == "" {
		cn = req.CommonName
		if cn == "" && r.RequireCN {
			return none, nil, certs.Refusef(`the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false`)
		}
	}
	subjectSerial := req.SerialNumber
	if subjectSerial == "" && csr != nil {
		subjectSerial = csr.Subject.SerialNumber
	}

	dns, emails := []string{}, []string{}
	fromCSR := csr != nil && r.UseCSRSANs
	if fromCSR {
		dns = append(dns, csr.DNSNames...)
		emails = append(emails, csr.EmailAddresses...)
	}
	if cn != "" && !req.ExcludeCNFromSANs {
		if err := sortName(cn, &dns, &emails); err != nil {
			return none, nil, err
		}
	}
	if !fromCSR {
		for _, n := range splitAltNames(req.AltNames) {
			if err := sortName(n, &dns, &emails); err != nil {
				return none, nil, err
			}
		}
	}
	// The CN is checked even when it is kept out of the SANs.
	if cn != "" {
		if bad := r.disallowedCommonName(cn); bad != "" {
			return none, nil, certs.Refusef("common name %s not allowed by this role", bad)
		}
	}
	if subjectSerial != "" && !r.allowsSerialNumber(subjectSerial) {
		return none, nil, certs.Refusef("serial_number %s not allowed by this role", subjectSerial)
	}
	if bad := r.firstDisallowedName(dns); bad != "" {
		return none, nil, certs.Refusef("subject alternate name %s not allowed by this role", bad)
	}
	if bad := r.firstDisallowedName(emails); bad != "" {
		return none, nil, certs.Refusef("email address %s not allowed by this role", bad)
	}

	otherSANs, err := r.otherSANs(req, csr)
	if err != nil {
		return none, nil, err
	}
	ips, err := r.ipSANs(req, csr)
	if err != nil {
		return none, nil, err
	}
	uris, err := r.uriSANs(req, csr)
	if err != nil {
		return none, nil, err
	}

	notAfter, warnings, err := r.notAfter(req, lim)
	if err != nil {
		return none, warnings, err
	}
	var skid []byte
	if req.SKID != "" {
		clean := strings.NewReplacer(":", "", "-", "", " ", "").Replace(req.SKID)
		if skid, err = hex.DecodeString(clean); err != nil {
			return none, warnings, certs.Refusef("cannot parse requested SKID value as hex: %v", err)
		}
	}
	ekuOIDs, err := r.extKeyUsageOIDs()
	if err != nil {
		return none, warnings, err
	}
	p := certs.Params{
		Subject: pkix.Name{
			CommonName:         cn,
			SerialNumber:       subjectSerial,
			Country:            dedupNames(r.Country),
			Organization:       dedupNames(r.Organization),
			OrganizationalUnit: dedupNames(r.OU),
			Locality:           dedupNames(r.Locality),
			Province:           dedupNames(r.Province),
			StreetAddress:      dedupNames(r.StreetAddress),
			PostalCode:         dedupNames(r.PostalCode),
		},
		DNSNames:                      dedupNames(dns),
		EmailAddresses:                dedupNames(emails),
		IPAddresses:                   ips,
		URIs:                          uris,
		OtherSANs:                     otherSANs,
		NotBefore:                     r.notBefore(lim.Now),
		NotAfter:                      notAfter,
		KeyUsage:                      certs.ParseKeyUsages(r.KeyUsage),
		ExtKeyUsage:                   r.extKeyUsage(),
		ExtKeyUsageOIDs:               ekuOIDs,
		BasicConstraintsValidForNonCA: r.BasicConstraintsValidForNonCA,
		SignatureBits:                 r.SignatureBits,
		UsePSS:                        r.UsePSS,
		SKID:                          skid,
		MaxPathLength:                 -1,
	}
	if lim.Issuer == nil {
		// Self-signed: no issuer URLs; a root's path length comes from
		// max_path_length alone.
		if r.MaxPathLength != nil {
			p.MaxPathLength = *r.MaxPathLength
		}
		return p, warnings, nil
	}
	p.URLs = lim.URLs
	switch iss := lim.Issuer; {
	case r.MaxPathLength != nil:
		p.MaxPathLength = *r.MaxPathLength
	case iss.MaxPathLen < 0:
		p.MaxPathLength = -1
	case iss.MaxPathLen == 0 && iss.MaxPathLenZero:
		p.MaxPathLength = 0 // signing then refuses to make a CA
	case iss.MaxPathLen == 0:
		p.MaxPathLength = -1 // no constraint written on the issuer
	default:
		p.MaxPathLength = iss.MaxPathLen - 1
	}
	return p, warnings, nil
}

func (r Role) otherSANs(req Request, csr *x509.CertificateRequest) (map[string][]string, error) {
	input := append([]string(nil), req.OtherSANs...)
	if r.UseCSRSANs && csr != nil && len(csr.Extensions) > 0 {
		fromCSR, err := certs.OtherSANsFromExtensions(csr.Extensions)
		if err != nil {
			return nil, certs.Refusef("could not parse requested other SAN: %v", err)
		}
		input = append(input, fromCSR...)
	}
	if len(input) == 0 {
		return nil, nil
	}
	requested, err := certs.ParseOtherSANs(input)
	if err != nil {
		return nil, certs.Refusef("could not parse requested other SAN: %v", err)
	}
	if err := r.checkOtherSANs(requested); err != nil {
		return nil, err
	}
	return requested, nil
}

func (r Role) ipSANs(req Request, csr *x509.CertificateRequest) ([]net.IP, error) {
	var ips []net.IP
	source := "the API"
	if csr != nil && r.UseCSRSANs {
		ips, source = csr.IPAddresses, "CSR"
	} else {
		for _, v := range req.IPSANs {
			ip := net.ParseIP(strings.TrimSpace(v))
			if ip == nil {
				return nil, certs.Refusef("the value %q is not a valid IP address", v)
			}
			ips = append(ips, ip)
		}
	}
	if len(ips) > 0 && !r.AllowIPSANs {
		return nil, certs.Refusef("IP Subject Alternative Names are not allowed in this role, but was provided via %s", source)
	}
	return ips, nil
}

func (r Role) uriSANs(req Request, csr *x509.CertificateRequest) ([]*url.URL, error) {
	var out []*url.URL
	if csr != nil && r.UseCSRSANs {
		if len(csr.URIs) == 0 {
			return nil, nil
		}
		if len(r.AllowedURISANs) == 0 {
			return nil, certs.Refusef("URI Subject Alternative Names are not allowed in this role, but were provided via CSR")
		}
		for _, u := range csr.URIs {
			if !r.allowsURISAN(u.String()) {
				return nil, certs.Refusef("URI Subject Alternative Names were provided via CSR which are not valid for this role")
			}
			out = append(out, u)
		}
		return out, nil
	}
	if len(req.URISANs) == 0 {
		return nil, nil
	}
	if len(r.AllowedURISANs) == 0 {
		return nil, certs.Refusef("URI Subject Alternative Names are not allowed in this role, but were provided via the API")
	}
	for _, raw := range req.URISANs {
		if !r.allowsURISAN(raw) {
			return nil, certs.Refusef("URI Subject Alternative Names were provided via the API which are not valid for this role")
		}
		u, err := url.Parse(raw)
		if err != nil || u == nil {
			return nil, certs.Refusef("the provided URI Subject Alternative Name %q is not a valid URI", raw)
		}
		out = append(out, u)
	}
	return out, nil
}
