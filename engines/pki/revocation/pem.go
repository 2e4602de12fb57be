package revocation

import (
	"encoding/pem"
	"strings"
)

func pemString(typ string, der []byte) string {
	return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})))
}
