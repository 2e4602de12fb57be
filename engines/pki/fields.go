package pki

import (
	"maps"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/engines/pki/policy"
)

// roleFields are the fields of roles/:name, one per policy.Role field,
// with the Go field's type mapped to Vault's.
var roleFields = func() map[string]*framework.FieldSchema {
	out := map[string]*framework.FieldSchema{}
	rt := reflect.TypeOf(policy.Role{})
	durationType := reflect.TypeOf(time.Duration(0))
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || name == "max_path_length" {
			continue
		}
		var t framework.FieldType
		switch {
		case f.Type == durationType:
			t = framework.TypeDurationSecond
		case f.Type.Kind() == reflect.Bool:
			t = framework.TypeBool
		case f.Type.Kind() == reflect.Int:
			t = framework.TypeInt
		case f.Type.Kind() == reflect.String:
			t = framework.TypeString
		case f.Type.Kind() == reflect.Slice:
			t = framework.TypeCommaStringSlice
		default:
			continue
		}
		out[name] = &framework.FieldSchema{Type: t, Description: "Vault's role field " + name + "."}
	}
	return out
}()

// subjectFields are the subject and SAN fields the CA and issue paths
// share.
var subjectFields = map[string]*framework.FieldSchema{
	"common_name":          {Type: framework.TypeString, Description: "The requested common name."},
	"alt_names":            {Type: framework.TypeString, Description: "Comma-separated DNS names and email addresses."},
	"ip_sans":              {Type: framework.TypeCommaStringSlice, Description: "IP subject alternative names."},
	"uri_sans":             {Type: framework.TypeCommaStringSlice, Description: "URI subject alternative names."},
	"other_sans":           {Type: framework.TypeCommaStringSlice, Description: "Other SANs: <oid>;UTF8:<value>."},
	"serial_number":        {Type: framework.TypeString, Description: "The subject's serial number attribute."},
	"ttl":                  {Type: framework.TypeDurationSecond, Description: "The requested validity."},
	"not_after":            {Type: framework.TypeString, Description: "The expiry, RFC 3339 (instead of ttl)."},
	"exclude_cn_from_sans": {Type: framework.TypeBool, Description: "Leave the common name out of the SANs."},
	"format":               {Type: framework.TypeString, Default: "pem", Description: "pem, der or pem_bundle."},
	"private_key_format":   {Type: framework.TypeString, Default: "der", Description: "der, pem or pkcs8."},
	"user_ids":             {Type: framework.TypeCommaStringSlice, Description: "User ids (not supported)."},
}

// caFields are the fields of the CA paths beyond subjectFields.
var caFields = map[string]*framework.FieldSchema{
	"key_type":              {Type: framework.TypeString, Default: "rsa", Description: "rsa, ec or ed25519."},
	"key_bits":              {Type: framework.TypeInt, Description: "The key size (0: the type's default)."},
	"signature_bits":        {Type: framework.TypeInt, Description: "The RSA signature hash size."},
	"use_pss":               {Type: framework.TypeBool, Description: "Sign with RSA-PSS."},
	"max_path_length":       {Type: framework.TypeInt, Default: -1, Description: "The CA's path length constraint."},
	"permitted_dns_domains": {Type: framework.TypeCommaStringSlice, Description: "Name constraints."},
	"ou":                    {Type: framework.TypeCommaStringSlice, Description: "Subject OU."},
	"organization":          {Type: framework.TypeCommaStringSlice, Description: "Subject O."},
	"country":               {Type: framework.TypeCommaStringSlice, Description: "Subject C."},
	"locality":              {Type: framework.TypeCommaStringSlice, Description: "Subject L."},
	"province":              {Type: framework.TypeCommaStringSlice, Description: "Subject ST."},
	"street_address":        {Type: framework.TypeCommaStringSlice, Description: "Subject street address."},
	"postal_code":           {Type: framework.TypeCommaStringSlice, Description: "Subject postal code."},
	"not_before_duration":   {Type: framework.TypeDurationSecond, Default: 30, Description: "How far NotBefore is back-dated."},
	"key_usage":             {Type: framework.TypeCommaStringSlice, Description: "Key usages of the CA."},
	"ext_key_usage":         {Type: framework.TypeCommaStringSlice, Description: "Extended key usages of the CA."},
	"issuer_name":           {Type: framework.TypeString, Description: "A name for the new issuer."},
	"key_name":              {Type: framework.TypeString, Description: "A name for the new key."},
	"key_ref":               {Type: framework.TypeString, Default: "default", Description: "The existing key to use (type existing)."},
	"add_basic_constraints": {Type: framework.TypeBool, Description: "Add basic constraints to the CSR."},
}

// merge returns the union of field sets.
func merge(sets ...map[string]*framework.FieldSchema) map[string]*framework.FieldSchema {
	out := map[string]*framework.FieldSchema{}
	for _, s := range sets {
		maps.Copy(out, s)
	}
	return out
}

// policyRequest reads the subject fields a policy decision takes.
func policyRequest(req *framework.Request) policy.Request {
	r := policy.Request{
		CommonName: req.String("common_name"), AltNames: req.String("alt_names"),
		IPSANs: req.Strings("ip_sans"), URISANs: req.Strings("uri_sans"), OtherSANs: req.Strings("other_sans"),
		SerialNumber: req.String("serial_number"), TTL: req.Duration("ttl"), NotAfter: req.String("not_after"),
		ExcludeCNFromSANs: req.Bool("exclude_cn_from_sans"),
	}
	if _, ok := req.Schema["csr"]; ok {
		r.CSR = req.String("csr")
	}
	if _, ok := req.Schema["skid"]; ok {
		r.SKID = req.String("skid")
	}
	return r
}

// caOptions reads the CA fields.
func caOptions(req *framework.Request) policy.CAOptions {
	o := policy.CAOptions{
		KeyType: req.String("key_type"), KeyBits: req.Int("key_bits"), SignatureBits: req.Int("signature_bits"),
		UsePSS: req.Bool("use_pss"), OU: req.Strings("ou"), Organization: req.Strings("organization"),
		Country: req.Strings("country"), Locality: req.Strings("locality"), Province: req.Strings("province"),
		StreetAddress: req.Strings("street_address"), PostalCode: req.Strings("postal_code"),
		NotBeforeDuration: req.Duration("not_before_duration"), PermittedDNSDomains: req.Strings("permitted_dns_domains"),
		KeyUsage: req.Strings("key_usage"), ExtKeyUsage: req.Strings("ext_key_usage"),
	}
	mpl := req.Int("max_path_length")
	o.MaxPathLength = &mpl
	return o
}

// formats reads format and private_key_format.
func formats(req *framework.Request, signIntermediate bool) (certs.Format, certs.KeyFormat, error) {
	parse := certs.ParseFormat
	if signIntermediate {
		parse = certs.ParseSignIntermediateFormat
	}
	f, err := parse(req.String("format"))
	if err != nil {
		return "", "", refusal(err)
	}
	kf := certs.KeyFormatDefault
	if _, ok := req.Schema["private_key_format"]; ok {
		if kf, err = certs.ParseKeyFormat(req.String("private_key_format")); err != nil {
			return "", "", refusal(err)
		}
	}
	return f, kf, nil
}

// refusal maps the pure packages' refusals to 400 with Vault's message;
// anything else stays an internal error.
func refusal(err error) error {
	if err != nil && certs.IsRefusal(err) {
		return framework.Errorf(http.StatusBadRequest, "%s", err.Error())
	}
	return err
}
