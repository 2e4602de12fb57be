package certs

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OIDSubjectAltName is the subjectAltName extension.
var OIDSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}

// oidBasicConstraints is the basicConstraints extension.
var oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}

// ParseOtherSANs reads Vault's other_sans syntax, "<oid>;UTF8:<value>"
// (UTF-8 also accepted), into OID -> values.
func ParseOtherSANs(list []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, other := range list {
		oid, rest, ok := strings.Cut(other, ";")
		if !ok {
			return nil, fmt.Errorf("expected a semicolon in other SAN %q", other)
		}
		typ, value, ok := strings.Cut(rest, ":")
		if !ok {
			return nil, fmt.Errorf("expected a colon in other SAN %q", other)
		}
		if !strings.EqualFold(typ, "utf8") && !strings.EqualFold(typ, "utf-8") {
			return nil, fmt.Errorf("only utf8 other SANs are supported; found non-supported type in other SAN %q", other)
		}
		out[oid] = append(out[oid], value)
	}
	return out, nil
}

// subjectAltNameWithOthers builds the whole subjectAltName extension when
// other names are present (crypto/x509 cannot write them): the other names
// first, then DNS, email, IP and URI names. The other name's value is an
// explicit [0] UTF8String, as OpenSSL reads it.
func subjectAltNameWithOthers(others map[string][]string, dns, emails []string, ips []net.IP, uris []*url.URL) (pkix.Extension, error) {
	oids := make([]string, 0, len(others))
	for oid := range others {
		oids = append(oids, oid)
	}
	slices.Sort(oids) // deterministic order; Vault's is map order
	var b cryptobyte.Builder
	var buildErr error
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, oidStr := range oids {
			oid, err := ParseOID(oidStr)
			if err != nil {
				buildErr = err
				return
			}
			for _, v := range others[oidStr] {
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oid)
					b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(v)) })
					})
				})
			}
		}
		for _, n := range dns {
			b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(n)) })
		}
		for _, e := range emails {
			b.AddASN1(cbasn1.Tag(1).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(e)) })
		}
		for _, ip := range ips {
			raw := ip.To4()
			if raw == nil {
				raw = ip
			}
			b.AddASN1(cbasn1.Tag(7).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(raw) })
		}
		for _, u := range uris {
			b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(u.String())) })
		}
	})
	if buildErr != nil {
		return pkix.Extension{}, buildErr
	}
	val, err := b.Bytes()
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("pki: marshal other SANs: %w", err)
	}
	return pkix.Extension{Id: OIDSubjectAltName, Value: val}, nil
}

// OtherSANsFromExtensions extracts the UTF-8 other names of a
// subjectAltName extension (a CSR's, with use_csr_sans) as "<oid>;UTF-8:<v>"
// strings, Vault's other_sans syntax.
func OtherSANsFromExtensions(exts []pkix.Extension) ([]string, error) {
	var out []string
	for _, ext := range exts {
		if !ext.Id.Equal(OIDSubjectAltName) {
			continue
		}
		in := cryptobyte.String(ext.Value)
		var seq cryptobyte.String
		if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
			return nil, errors.New("bad SAN sequence")
		}
		for !seq.Empty() {
			var name cryptobyte.String
			var tag cbasn1.Tag
			if !seq.ReadAnyASN1(&name, &tag) {
				return nil, errors.New("bad SAN sequence")
			}
			if tag != cbasn1.Tag(0).ContextSpecific().Constructed() {
				continue
			}
			var oid asn1.ObjectIdentifier
			var explicit, value cryptobyte.String
			var valueTag cbasn1.Tag
			if !name.ReadASN1ObjectIdentifier(&oid) ||
				!name.ReadASN1(&explicit, cbasn1.Tag(0).ContextSpecific().Constructed()) ||
				!explicit.ReadAnyASN1(&value, &valueTag) {
				return nil, errors.New("could not parse requested other SAN")
			}
			if valueTag != cbasn1.UTF8String {
				return nil, errors.New("no UTF-8 string found in OtherName")
			}
			out = append(out, fmt.Sprintf("%s;UTF-8:%s", oid.String(), string(value)))
		}
	}
	return out, nil
}
