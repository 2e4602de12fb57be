package ledgertest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/cofferhq/coffer/projections"
)

// RawHits scans every pebble key and value of s and returns one entry
// per needle found in plaintext or hex: the canary check of a read model
// (issue 10, item 10), which must name things by keyed HMAC and seal what
// it stores. A test asserts the result is empty.
func RawHits(t testing.TB, s *projections.Store, needles ...string) []string {
	t.Helper()
	var hits []string
	err := s.Scan(nil, func(k, v []byte) bool {
		for _, n := range needles {
			for _, form := range [][]byte{[]byte(n), []byte(hex.EncodeToString([]byte(n)))} {
				if bytes.Contains(k, form) || bytes.Contains(v, form) {
					hits = append(hits, fmt.Sprintf("%q under key %q", n, k))
				}
			}
		}
		return true
	})
	check(t, err, "scan projections")
	return hits
}
