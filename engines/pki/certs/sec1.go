package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The named-curve OIDs of RFC 5480, section 2.1.1.1.
var curveOIDs = map[elliptic.Curve]asn1.ObjectIdentifier{
	elliptic.P224(): {1, 3, 132, 0, 33},
	elliptic.P256(): {1, 2, 840, 10045, 3, 1, 7},
	elliptic.P384(): {1, 3, 132, 0, 34},
	elliptic.P521(): {1, 3, 132, 0, 35},
}

// ecPrivateKeyDER is x509.MarshalECPrivateKey for a key ecdsa.GenerateKey
// just made, byte for byte (TestECPrivateKeyDERIsX509s). The standard
// encoder reaches the scalar and the point through PrivateKey.Bytes,
// which converts the key to its FIPS form and caches it under a weak
// pointer, and then encodes by reflection: 15 µs of CPU per issue/:role
// (about 40% of generating the key), for a leaf key that never signs.
// Here the scalar and the point are read from the fields GenerateKey
// filled (read only, never modified) and written with cryptobyte.
// Keys of another origin keep going through x509.
func ecPrivateKeyDER(k *ecdsa.PrivateKey) ([]byte, error) {
	oid, ok := curveOIDs[k.Curve]
	if !ok || k.D == nil || k.X == nil || k.Y == nil {
		return x509.MarshalECPrivateKey(k)
	}
	size := (k.Curve.Params().BitSize + 7) / 8
	if k.D.Sign() <= 0 || k.D.BitLen() > k.Curve.Params().N.BitLen() || k.X.BitLen() > size*8 || k.Y.BitLen() > size*8 {
		return x509.MarshalECPrivateKey(k)
	}
	// The uncompressed point (SEC 1, 2.3.3): 0x04 || X || Y.
	point := make([]byte, 1+2*size)
	point[0] = 4
	k.X.FillBytes(point[1 : 1+size])
	k.Y.FillBytes(point[1+size:])
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1) // ecPrivkeyVer1
		b.AddASN1OctetString(k.D.FillBytes(make([]byte, (k.Curve.Params().N.BitLen()+7)/8)))
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
		})
		b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1BitString(point)
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: marshal ec key: %w", err)
	}
	return der, nil
}
