package pki

import (
	"crypto/rand"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/engines/pki/policy"
)

// issueFields are issue/:role's fields.
var issueFields = merge(subjectFields, map[string]*framework.FieldSchema{
	"role":                    {Type: framework.TypeString, Description: "The role."},
	"issuer_ref":              {Type: framework.TypeString, Description: "The issuer (issuer/:ref paths)."},
	"remove_roots_from_chain": {Type: framework.TypeBool, Description: "Leave self-signed certificates out of ca_chain."},
	"key_type":                {Type: framework.TypeString, Description: "The key type, for roles with key_type any."},
	"key_bits":                {Type: framework.TypeInt, Description: "The key size, for roles with key_type any."},
})

// signFields are sign/:role's and sign-verbatim's fields.
var signFields = merge(issueFields, map[string]*framework.FieldSchema{
	"csr":                                {Type: framework.TypeString, Required: true, Description: "The PEM CSR."},
	"key_usage":                          {Type: framework.TypeCommaStringSlice, Description: "sign-verbatim: key usages."},
	"ext_key_usage":                      {Type: framework.TypeCommaStringSlice, Description: "sign-verbatim: extended key usages."},
	"ext_key_usage_oids":                 {Type: framework.TypeCommaStringSlice, Description: "sign-verbatim: extended key usage OIDs."},
	"signature_bits":                     {Type: framework.TypeInt, Description: "sign-verbatim: signature hash size."},
	"use_pss":                            {Type: framework.TypeBool, Description: "sign-verbatim: RSA-PSS."},
	"basic_constraints_valid_for_non_ca": {Type: framework.TypeBool, Description: "sign-verbatim: CA:FALSE in leaves."},
})

const roleVar = `(?P<role>[^/]+)`
const issuerVar = `issuer/(?P<issuer_ref>[^/]+)/`

func (b *Backend) issuePaths() []*framework.Path {
	op := func(h framework.HandlerFunc) map[framework.Operation]framework.HandlerFunc {
		return map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: h}
	}
	return []*framework.Path{
		{Pattern: "issue/" + roleVar, Fields: issueFields, Synopsis: "Issue a certificate and key under a role.", Operations: op(b.issue)},
		{Pattern: issuerVar + "issue/" + roleVar, Fields: issueFields, Synopsis: "Issue a certificate and key with this issuer.", Operations: op(b.issue)},
		{Pattern: "sign/" + roleVar, Fields: signFields, Synopsis: "Sign a CSR under a role.", Operations: op(b.sign)},
		{Pattern: issuerVar + "sign/" + roleVar, Fields: signFields, Synopsis: "Sign a CSR with this issuer.", Operations: op(b.sign)},
		{Pattern: `sign-verbatim(/` + roleVar + `)?`, Fields: signFields, Synopsis: "Sign a CSR as it is.", Operations: op(b.signVerbatim)},
		{Pattern: issuerVar + `sign-verbatim(/` + roleVar + `)?`, Fields: signFields, Synopsis: "Sign a CSR as it is with this issuer.", Operations: op(b.signVerbatim)},
	}
}

// leaseData is the revoke data of a generate_lease certificate's lease.
type leaseData struct {
	Mount  string `json:"mount"`
	Serial string `json:"serial_number"`
}

// loadRole returns the role a request names, or Vault's refusal.
func (b *Backend) loadRole(req *framework.Request) (*policy.Role, error) {
	name := req.String("role")
	r, err := b.role(name)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, framework.BadRequest("unknown role: %s", name)
	}
	return r, nil
}

// issuerFor is the issuer a request signs with: the path's, else the
// role's issuer_ref.
func (b *Backend) issuerFor(req *framework.Request, role *policy.Role) (*signer, error) {
	ref := req.String("issuer_ref")
	if ref == "" && role != nil {
		ref = role.IssuerRef
	}
	return b.signing(req.Context(), ref)
}

// roleRequest reads what issue and sign share: the formats, the role
// and the issuer that signs.
func (b *Backend) roleRequest(req *framework.Request) (certs.Format, certs.KeyFormat, *policy.Role, *signer, error) {
	f, kf, err := formats(req, false)
	if err != nil {
		return "", "", nil, nil, err
	}
	role, err := b.loadRole(req)
	if err != nil {
		return "", "", nil, nil, err
	}
	s, err := b.issuerFor(req, role)
	return f, kf, role, s, err
}

func (b *Backend) issue(req *framework.Request) (*framework.Response, error) {
	f, kf, role, s, err := b.roleRequest(req)
	if err != nil {
		return nil, err
	}
	pr := policyRequest(req)
	pr.KeyType, pr.KeyBits = req.String("key_type"), req.Int("key_bits")
	d, err := policy.DecideIssue(*role, pr, b.limits(req, s))
	if err != nil {
		return nil, refusal(err)
	}
	key, err := certs.GenerateKey(rand.Reader, d.KeyType, d.KeyBits)
	if err != nil {
		return nil, refusal(err)
	}
	issued, err := certs.IssueWithKey(rand.Reader, d.Params, key, s.is)
	if err != nil {
		return nil, refusal(err)
	}
	return b.issuedResponse(req, f, kf, d, s, issued)
}

func (b *Backend) sign(req *framework.Request) (*framework.Response, error) {
	f, _, role, s, err := b.roleRequest(req)
	if err != nil {
		return nil, err
	}
	d, err := policy.DecideSign(*role, policyRequest(req), b.limits(req, s))
	if err != nil {
		return nil, refusal(err)
	}
	issued, err := certs.SignCSR(rand.Reader, d.Params, d.CSR, s.is, d.UseCSRValues)
	if err != nil {
		return nil, refusal(err)
	}
	return b.issuedResponse(req, f, certs.KeyFormatDefault, d, s, issued)
}

func (b *Backend) signVerbatim(req *framework.Request) (*framework.Response, error) {
	f, _, err := formats(req, false)
	if err != nil {
		return nil, err
	}
	var role *policy.Role
	if req.String("role") != "" {
		if role, err = b.loadRole(req); err != nil {
			return nil, err
		}
	}
	s, err := b.issuerFor(req, role)
	if err != nil {
		return nil, err
	}
	o := policy.VerbatimOptions{
		KeyUsage: req.Strings("key_usage"), ExtKeyUsage: req.Strings("ext_key_usage"),
		ExtKeyUsageOIDs: req.Strings("ext_key_usage_oids"), SignatureBits: req.Int("signature_bits"), UsePSS: req.Bool("use_pss"),
	}
	if v, ok := req.GetOk("basic_constraints_valid_for_non_ca"); ok {
		bv := v.(bool)
		o.BasicConstraintsValidForNonCA = &bv
	}
	d, err := policy.DecideSignVerbatim(role, policyRequest(req), o, b.limits(req, s))
	if err != nil {
		return nil, refusal(err)
	}
	issued, err := certs.SignCSR(rand.Reader, d.Params, d.CSR, s.is, d.UseCSRValues)
	if err != nil {
		return nil, refusal(err)
	}
	return b.issuedResponse(req, f, certs.KeyFormatDefault, d, s, issued)
}

// issuedResponse records the issuance and answers it, with a lease when
// the role asks for one (revoking the lease revokes the certificate).
func (b *Backend) issuedResponse(req *framework.Request, f certs.Format, kf certs.KeyFormat, d *policy.Decision, s *signer, issued *certs.Issued) (*framework.Response, error) {
	if err := b.record(req.Context(), issued.Cert, issued.PEM(), s.rec.ID, req.String("role"), d.Role.NoStore); err != nil {
		return nil, err
	}
	data, err := certs.IssueData(f, kf, issued, req.Bool("remove_roots_from_chain"))
	if err != nil {
		return nil, err
	}
	resp := &framework.Response{Data: data, Warnings: d.Warnings}
	if d.Role.GenerateLease {
		resp.Secret = &framework.Secret{
			TTL:          issued.Cert.NotAfter.Sub(b.now()),
			InternalData: leaseData{Mount: b.mount.Accessor, Serial: certs.FormatSerial(issued.Cert.SerialNumber)},
		}
	}
	return resp, nil
}
