package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"slices"
	"time"
	"unicode"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// leafTBS writes the TBS certificate x509.CreateCertificate would write
// for tmpl under parent, byte for byte (TestLeafTBSIsX509s), for the shape
// issue/:role and sign/:role make most: an end-entity certificate with an
// ECDSA public key, signed by an ECDSA issuer. x509 encodes the TBS by
// reflection (encoding/asn1 over its tbsCertificate struct and every
// extension): about 30% of the CPU of signing a leaf, as much as half the
// ECDSA signature. Here cryptobyte writes the same bytes directly.
//
// ok is false for anything outside that shape (CA certificates, other key
// types, policies, name constraints, names that are not IA5, an issuer key
// that does not match the parent) and for every case where x509 would
// refuse: the caller then lets x509 encode, or refuse, as before.
func leafTBS(tmpl, parent *x509.Certificate, pub, signerPub crypto.PublicKey) (tbs []byte, hash crypto.Hash, ok bool) {
	if !leafShape(tmpl) {
		return nil, 0, false
	}
	sigAlg, hash, ok := ecdsaSignature(signerPub, tmpl.SignatureAlgorithm)
	if !ok {
		return nil, 0, false
	}
	if parent.PublicKey != nil {
		sp, isEC := signerPub.(*ecdsa.PublicKey)
		if !isEC || !sp.Equal(parent.PublicKey) {
			return nil, 0, false
		}
	}
	spki, ok := ecdsaSPKI(pub)
	if !ok {
		return nil, 0, false
	}
	issuer := parent.RawSubject
	if len(issuer) == 0 {
		var err error
		if issuer, err = asn1.Marshal(parent.Subject.ToRDNSequence()); err != nil {
			return nil, 0, false
		}
	}
	subject := tmpl.RawSubject
	if len(subject) == 0 {
		var err error
		if subject, err = asn1.Marshal(tmpl.Subject.ToRDNSequence()); err != nil {
			return nil, 0, false
		}
	}
	akid := tmpl.AuthorityKeyId
	if !bytes.Equal(issuer, subject) && len(parent.SubjectKeyId) > 0 {
		akid = parent.SubjectKeyId
	}
	exts, ok := leafExtensions(tmpl, bytes.Equal(subject, []byte{0x30, 0}), akid)
	if !ok {
		return nil, 0, false
	}

	b := cryptobyte.NewBuilder(make([]byte, 0, 1024))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1Int64(2) // v3
		})
		b.AddASN1BigInt(tmpl.SerialNumber)
		b.AddBytes(sigAlg)
		b.AddBytes(issuer)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addTime(b, tmpl.NotBefore)
			addTime(b, tmpl.NotAfter)
		})
		b.AddBytes(subject)
		b.AddBytes(spki)
		if len(exts) > 0 {
			b.AddASN1(cbasn1.Tag(3).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(exts) })
			})
		}
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, 0, false
	}
	return out, hash, true
}

// leafShape: the template fields leafTBS writes, and x509's own checks.
func leafShape(t *x509.Certificate) bool {
	return t.SerialNumber != nil && t.SerialNumber.Sign() >= 0 &&
		!t.IsCA && (t.MaxPathLen == 0 || t.MaxPathLen == -1) && !t.MaxPathLenZero &&
		len(t.Policies) == 0 && len(t.PolicyIdentifiers) == 0 &&
		len(t.PermittedDNSDomains) == 0 && len(t.ExcludedDNSDomains) == 0 &&
		len(t.PermittedIPRanges) == 0 && len(t.ExcludedIPRanges) == 0 &&
		len(t.PermittedEmailAddresses) == 0 && len(t.ExcludedEmailAddresses) == 0 &&
		len(t.PermittedURIDomains) == 0 && len(t.ExcludedURIDomains) == 0
}

// ecdsaSignature is x509's signature AlgorithmIdentifier (DER) and hash for
// an ECDSA issuer key: the curve's default, or the template's when it is
// an ECDSA one.
func ecdsaSignature(signerPub crypto.PublicKey, want x509.SignatureAlgorithm) ([]byte, crypto.Hash, bool) {
	k, ok := signerPub.(*ecdsa.PublicKey)
	if !ok {
		return nil, 0, false
	}
	alg := want
	if alg == x509.UnknownSignatureAlgorithm {
		switch k.Curve {
		case elliptic.P256():
			alg = x509.ECDSAWithSHA256
		case elliptic.P384():
			alg = x509.ECDSAWithSHA384
		case elliptic.P521():
			alg = x509.ECDSAWithSHA512
		default:
			return nil, 0, false
		}
	}
	var oid asn1.ObjectIdentifier
	var hash crypto.Hash
	switch alg {
	case x509.ECDSAWithSHA256:
		oid, hash = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, crypto.SHA256
	case x509.ECDSAWithSHA384:
		oid, hash = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, crypto.SHA384
	case x509.ECDSAWithSHA512:
		oid, hash = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}, crypto.SHA512
	default:
		return nil, 0, false
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid) })
	der, err := b.Bytes()
	return der, hash, err == nil
}

// ecdsaSPKI is x509's SubjectPublicKeyInfo of an ECDSA public key.
func ecdsaSPKI(pub crypto.PublicKey) ([]byte, bool) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, false
	}
	curve, ok := curveOIDs[k.Curve]
	if !ok {
		return nil, false
	}
	point, err := k.Bytes()
	if err != nil {
		return nil, false
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1})
			b.AddASN1ObjectIdentifier(curve)
		})
		b.AddASN1BitString(point)
	})
	der, err := b.Bytes()
	return der, err == nil
}

// addTime writes a validity time as encoding/asn1 does: UTCTime from 1950
// to 2049, GeneralizedTime otherwise, in UTC, whole seconds.
func addTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC()
	if t.Year() < 1950 || t.Year() >= 2050 {
		b.AddASN1GeneralizedTime(t)
		return
	}
	b.AddASN1UTCTime(t)
}

// The extension OIDs x509 writes for leaves (RFC 5280, 4.2).
var (
	oidExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtExtKeyUsage   = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtBasic         = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtSKID          = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtAKID          = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtAIA           = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	oidExtCRLDP         = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidAIAOCSP          = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1}
	oidAIAIssuers       = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 2}
	oidExtSubjectAltNam = OIDSubjectAltName
)

// ekuOIDs are x509's OIDs of its extended key usages.
var ekuOIDs = map[x509.ExtKeyUsage]asn1.ObjectIdentifier{
	x509.ExtKeyUsageAny:                            {2, 5, 29, 37, 0},
	x509.ExtKeyUsageServerAuth:                     {1, 3, 6, 1, 5, 5, 7, 3, 1},
	x509.ExtKeyUsageClientAuth:                     {1, 3, 6, 1, 5, 5, 7, 3, 2},
	x509.ExtKeyUsageCodeSigning:                    {1, 3, 6, 1, 5, 5, 7, 3, 3},
	x509.ExtKeyUsageEmailProtection:                {1, 3, 6, 1, 5, 5, 7, 3, 4},
	x509.ExtKeyUsageIPSECEndSystem:                 {1, 3, 6, 1, 5, 5, 7, 3, 5},
	x509.ExtKeyUsageIPSECTunnel:                    {1, 3, 6, 1, 5, 5, 7, 3, 6},
	x509.ExtKeyUsageIPSECUser:                      {1, 3, 6, 1, 5, 5, 7, 3, 7},
	x509.ExtKeyUsageTimeStamping:                   {1, 3, 6, 1, 5, 5, 7, 3, 8},
	x509.ExtKeyUsageOCSPSigning:                    {1, 3, 6, 1, 5, 5, 7, 3, 9},
	x509.ExtKeyUsageMicrosoftServerGatedCrypto:     {1, 3, 6, 1, 4, 1, 311, 10, 3, 3},
	x509.ExtKeyUsageNetscapeServerGatedCrypto:      {2, 16, 840, 1, 113730, 4, 1},
	x509.ExtKeyUsageMicrosoftCommercialCodeSigning: {1, 3, 6, 1, 4, 1, 311, 2, 1, 22},
	x509.ExtKeyUsageMicrosoftKernelCodeSigning:     {1, 3, 6, 1, 4, 1, 311, 61, 1, 1},
}

// leafExtensions writes the extensions x509's buildCertExtensions writes
// for a leaf, in its order, then the template's ExtraExtensions; a
// built-in one is left out when ExtraExtensions carries its OID.
func leafExtensions(t *x509.Certificate, subjectIsEmpty bool, akid []byte) ([]byte, bool) {
	extra := func(oid asn1.ObjectIdentifier) bool {
		return slices.ContainsFunc(t.ExtraExtensions, func(e pkix.Extension) bool { return e.Id.Equal(oid) })
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, 512))
	add := func(oid asn1.ObjectIdentifier, critical bool, value func(*cryptobyte.Builder)) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			if critical {
				b.AddASN1Boolean(true)
			}
			b.AddASN1(cbasn1.OCTET_STRING, value)
		})
	}
	if t.KeyUsage != 0 && !extra(oidExtKeyUsage) {
		a := []byte{reverseBits(byte(t.KeyUsage)), reverseBits(byte(t.KeyUsage >> 8))}
		if a[1] == 0 {
			a = a[:1]
		}
		bitLen := bitStringLength(a)
		add(oidExtKeyUsage, true, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
				b.AddUint8(uint8((8 - bitLen%8) % 8))
				b.AddBytes(a)
			})
		})
	}
	if (len(t.ExtKeyUsage) > 0 || len(t.UnknownExtKeyUsage) > 0) && !extra(oidExtExtKeyUsage) {
		oids := make([]asn1.ObjectIdentifier, 0, len(t.ExtKeyUsage)+len(t.UnknownExtKeyUsage))
		for _, u := range t.ExtKeyUsage {
			oid, known := ekuOIDs[u]
			if !known {
				return nil, false
			}
			oids = append(oids, oid)
		}
		oids = append(oids, t.UnknownExtKeyUsage...)
		add(oidExtExtKeyUsage, false, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, oid := range oids {
					b.AddASN1ObjectIdentifier(oid)
				}
			})
		})
	}
	if t.BasicConstraintsValid && !extra(oidExtBasic) {
		// CA:FALSE with no path length: an empty SEQUENCE.
		add(oidExtBasic, true, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(*cryptobyte.Builder) {})
		})
	}
	if len(t.SubjectKeyId) > 0 && !extra(oidExtSKID) {
		add(oidExtSKID, false, func(b *cryptobyte.Builder) { b.AddASN1OctetString(t.SubjectKeyId) })
	}
	if len(akid) > 0 && !extra(oidExtAKID) {
		add(oidExtAKID, false, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(akid) })
			})
		})
	}
	if (len(t.OCSPServer) > 0 || len(t.IssuingCertificateURL) > 0) && !extra(oidExtAIA) {
		add(oidExtAIA, false, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, list := range []struct {
					method asn1.ObjectIdentifier
					urls   []string
				}{{oidAIAOCSP, t.OCSPServer}, {oidAIAIssuers, t.IssuingCertificateURL}} {
					for _, u := range list.urls {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(list.method)
							b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(u)) })
						})
					}
				}
			})
		})
	}
	if (len(t.DNSNames) > 0 || len(t.EmailAddresses) > 0 || len(t.IPAddresses) > 0 || len(t.URIs) > 0) && !extra(oidExtSubjectAltNam) {
		type name struct {
			tag   cbasn1.Tag
			value []byte
		}
		var names []name
		for _, n := range t.DNSNames {
			names = append(names, name{2, []byte(n)})
		}
		for _, n := range t.EmailAddresses {
			names = append(names, name{1, []byte(n)})
		}
		for _, ip := range t.IPAddresses {
			if ip4 := ip.To4(); ip4 != nil {
				ip = ip4
			}
			names = append(names, name{7, ip})
		}
		for _, u := range t.URIs {
			names = append(names, name{6, []byte(u.String())})
		}
		for _, n := range names {
			if n.tag != 7 && !isIA5(n.value) {
				return nil, false
			}
		}
		add(oidExtSubjectAltNam, subjectIsEmpty, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, n := range names {
					b.AddASN1(n.tag.ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(n.value) })
				}
			})
		})
	}
	if len(t.CRLDistributionPoints) > 0 && !extra(oidExtCRLDP) {
		add(oidExtCRLDP, false, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, u := range t.CRLDistributionPoints {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(u)) })
							})
						})
					})
				}
			})
		})
	}
	for _, e := range t.ExtraExtensions {
		add(e.Id, e.Critical, func(b *cryptobyte.Builder) { b.AddBytes(e.Value) })
	}
	out, err := b.Bytes()
	return out, err == nil
}

// reverseBits is x509's reverseBitsInAByte: KeyUsage bit 0 is the BIT
// STRING's first (most significant) bit.
func reverseBits(in byte) byte {
	b1 := in>>4 | in<<4
	b2 := b1>>2&0x33 | b1<<2&0xcc
	return b2>>1&0x55 | b2<<1&0xaa
}

// bitStringLength is x509's asn1BitLength: the bits up to the last set one.
func bitStringLength(s []byte) int {
	n := len(s) * 8
	for i := range s {
		b := s[len(s)-i-1]
		for bit := uint(0); bit < 8; bit++ {
			if b>>bit&1 == 1 {
				return n
			}
			n--
		}
	}
	return 0
}

func isIA5(s []byte) bool {
	for _, r := range string(s) {
		if r > unicode.MaxASCII {
			return false
		}
	}
	return true
}
