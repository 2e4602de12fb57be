package policy

import (
	"errors"
	"regexp"
	"slices"
	"sort"
	"strings"

	"golang.org/x/net/idna"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

var (
	// labelRegex is one DNS label.
	labelRegex = `([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])`
	// hostnameRegex checks idna's output too: its strict option does not
	// reject every bad input (host^123.example.com passes idna).
	hostnameRegex = regexp.MustCompile(`^(\*\.)?(` + labelRegex + `\.)*` + labelRegex + `\.?$`)
	// leftWildLabelRegex is an RFC 6125 wildcard label: "*", "*x", "x*"
	// or "x*y".
	leftWildLabelRegex = regexp.MustCompile(`^(\*|\*` + labelRegex + `|` + labelRegex + `\*|` + labelRegex + `\*` + labelRegex + `)$`)
)

// idnaProfile is Vault's: strict domain names, DNS length checks.
var idnaProfile = idna.New(idna.StrictDomainName(true), idna.VerifyDNSLength(true))

// toASCII converts an internationalised name as Vault does before deciding
// whether it is a DNS name.
func toASCII(name string) (string, error) { return idnaProfile.ToASCII(name) }

// splitWildcard splits a wildcard name into its left-most label and the
// rest, refusing more than one '*' or a '*' outside the left-most label.
func splitWildcard(name string) (label, rest string, err error) {
	if strings.Count(name, "*") > 1 {
		return "", "", errors.New("expected only one wildcard identifier in the given domain name")
	}
	label, rest, ok := strings.Cut(name, ".")
	if !ok {
		return label, "", nil
	}
	if strings.Contains(rest, "*") {
		return "", "", errors.New("expected wildcard to only be present in left-most domain label")
	}
	return label, rest, nil
}

// firstDisallowedName checks names (DNS names or email addresses) against
// the role and returns the first one it does not allow, or "". This is
// Vault's validateNames, step for step.
func (r Role) firstDisallowedName(names []string) string {
	for _, name := range names {
		if !r.allowsName(name) {
			return name
		}
	}
	return ""
}

func (r Role) allowsName(name string) bool {
	reduced, emailDomain := name, name
	isEmail, isWildcard := false, false
	wildLabel := ""

	if strings.Contains(reduced, "@") {
		parts := strings.Split(reduced, "@")
		if len(parts) != 2 {
			return false
		}
		reduced, emailDomain, isEmail = parts[1], parts[1], true
	}
	if strings.Contains(reduced, "*") {
		isWildcard = true
		// allow_wildcard_certificates=false wins over allow_any_name.
		if !r.AllowWildcardCertificates {
			return false
		}
		var err error
		if wildLabel, reduced, err = splitWildcard(reduced); err != nil {
			return false
		}
	}
	if isEmail && isWildcard {
		return false
	}
	// enforce_hostnames applies even with allow_any_name.
	if r.EnforceHostnames {
		if reduced != "" {
			converted, err := toASCII(reduced)
			if err != nil || !hostnameRegex.MatchString(converted) {
				return false
			}
		}
		if isWildcard && !leftWildLabelRegex.MatchString(wildLabel) {
			return false
		}
	}
	if r.AllowAnyName {
		return true
	}
	if r.AllowLocalhost {
		if reduced == "localhost" || reduced == "localdomain" ||
			(isEmail && (emailDomain == "localhost" || emailDomain == "localdomain")) {
			return true
		}
		if r.AllowSubdomains {
			if strings.HasSuffix(reduced, ".localhost") || (isWildcard && reduced == "localhost") ||
				strings.HasSuffix(reduced, ".localdomain") || (isWildcard && reduced == "localdomain") {
				return true
			}
		}
	}
	for _, domain := range r.AllowedDomains {
		if domain == "" {
			continue // a trailing comma
		}
		if r.AllowBareDomains && (strings.EqualFold(name, domain) || (isEmail && strings.EqualFold(emailDomain, domain))) {
			return true
		}
		if r.AllowSubdomains && (strings.HasSuffix(reduced, "."+domain) || (isWildcard && strings.EqualFold(reduced, domain))) {
			return true
		}
		if r.AllowGlobDomains && strings.Contains(domain, "*") && globMatch(domain, name) {
			return true
		}
	}
	return false
}

// disallowedCommonName is Vault's validateCommonName: the CN must pass
// the name rules like a SAN (unless cn_validations is "disabled"), and be
// of a kind cn_validations lists: "email" for names with '@', "hostname"
// otherwise.
func (r Role) disallowedCommonName(cn string) string {
	if len(r.CNValidations) == 1 && r.CNValidations[0] == "disabled" {
		return ""
	}
	if !r.allowsName(cn) {
		return cn
	}
	if len(r.CNValidations) == 0 {
		return ""
	}
	kind := "hostname"
	if strings.Contains(cn, "@") {
		kind = "email"
	}
	if !slices.Contains(r.CNValidations, kind) {
		return cn
	}
	return ""
}

// allowsURISAN matches a URI against allowed_uri_sans globs.
func (r Role) allowsURISAN(uri string) bool {
	for _, allowed := range r.AllowedURISANs {
		if globMatch(allowed, uri) {
			return true
		}
	}
	return false
}

// checkOtherSANs applies allowed_other_sans ("*" allows all) to the
// requested other SANs (OID -> values), in OID order.
func (r Role) checkOtherSANs(requested map[string][]string) error {
	if len(r.AllowedOtherSANs) == 1 && r.AllowedOtherSANs[0] == "*" {
		return nil
	}
	allowed, err := certs.ParseOtherSANs(r.AllowedOtherSANs)
	if err != nil {
		return certs.Refusef("error parsing role's allowed SANs: %v", err)
	}
	oids := make([]string, 0, len(requested))
	for oid := range requested {
		oids = append(oids, oid)
	}
	sort.Strings(oids)
	for _, oid := range oids {
		allowedNames, ok := allowed[oid]
		if !ok {
			return certs.Refusef("other SAN OID %s not allowed by this role", oid)
		}
		for _, name := range requested[oid] {
			if !slices.ContainsFunc(allowedNames, func(a string) bool { return globMatch(a, name) }) {
				return certs.Refusef("other SAN %s not allowed for OID %s by this role", name, oid)
			}
		}
	}
	return nil
}

// allowsSerialNumber checks the subject serial_number against
// allowed_serial_numbers (exact or glob); an empty list allows none.
func (r Role) allowsSerialNumber(serial string) bool {
	for _, a := range r.AllowedSerialNumbers {
		if a == "" {
			continue
		}
		if a == serial || (strings.Contains(a, "*") && globMatch(a, serial)) {
			return true
		}
	}
	return false
}

// dedupNames trims, drops empty entries and removes duplicates, keeping
// the first occurrence (alt_names as Vault reads it).
func dedupNames(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// splitAltNames reads alt_names: a comma-separated string.
func splitAltNames(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return dedupNames(strings.Split(s, ","))
}

// sortName adds a name to DNS names (after IDNA conversion) or
// to email addresses, as Vault sorts CN and alt_names.
func sortName(name string, dns, emails *[]string) error {
	if strings.Contains(name, "@") {
		*emails = append(*emails, name)
		return nil
	}
	converted, err := toASCII(name)
	if err != nil {
		return certs.Refusef("%s", err.Error())
	}
	if hostnameRegex.MatchString(converted) {
		*dns = append(*dns, converted)
	}
	return nil
}

// CheckName tells whether the role allows a DNS name or email address as a
// subject alternative name, with Vault's refusal. The ACME server asks it
// for each order identifier before it creates authorizations.
func (r Role) CheckName(name string) error {
	if strings.Contains(name, "@") {
		if !r.allowsName(name) {
			return certs.Refusef("email address %s not allowed by this role", name)
		}
		return nil
	}
	if !r.allowsName(name) {
		return certs.Refusef("subject alternate name %s not allowed by this role", name)
	}
	return nil
}
