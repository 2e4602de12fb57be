package certs

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// serialLimit is 2^159: serials are 159 random bits, as Vault's, so the
// DER integer is positive and at most 20 octets (RFC 5280 4.1.2.2).
var serialLimit = new(big.Int).Lsh(big.NewInt(1), 159)

// NewSerial draws a random serial number.
func NewSerial(random io.Reader) (*big.Int, error) {
	if random == nil {
		random = rand.Reader
	}
	n, err := rand.Int(random, serialLimit)
	if err != nil {
		return nil, fmt.Errorf("pki: generate serial number: %w", err)
	}
	return n, nil
}

// FormatSerial is Vault's serial_number: lower-case hex octets joined by
// colons ("1f:0a:..."), leading zero octets dropped.
func FormatSerial(n *big.Int) string {
	return hexJoin(n.Bytes(), ":")
}

// StorageSerial is the hyphenated form Vault keys certificates by
// ("1f-0a-...").
func StorageSerial(n *big.Int) string {
	return hexJoin(n.Bytes(), "-")
}

func hexJoin(b []byte, sep string) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteString(sep)
		}
		sb.WriteString(hex.EncodeToString([]byte{c}))
	}
	return sb.String()
}

// ParseSerial reads a serial in any form Vault accepts on its paths
// (cert/:serial, revoke): colon- or hyphen-separated octets, any case.
func ParseSerial(s string) (*big.Int, error) {
	clean := strings.NewReplacer(":", "", "-", "", " ", "").Replace(strings.TrimSpace(s))
	if clean == "" {
		return nil, Refusef("The serial number must be provided")
	}
	b, err := hex.DecodeString(clean)
	if err != nil {
		return nil, Refusef("invalid serial number %q", s)
	}
	return new(big.Int).SetBytes(b), nil
}
