package harness

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// ScanForBytes reads every regular file under dir and returns one
// "<file>: <needle>" entry for each needle found in it. A canary test
// asserts the result is empty.
func ScanForBytes(t testing.TB, dir string, needles ...[]byte) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if len(n) > 0 && bytes.Contains(data, n) {
				hits = append(hits, fmt.Sprintf("%s: %q", path, n))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("harness: scan %s: %v", dir, err)
	}
	return hits
}

// Encodings returns secret as it would appear on disk or in a log if it
// were stored unencrypted: the raw bytes, lower- and upper-case hex, and
// standard and URL-safe base64 at each of the three byte alignments it can
// have inside a longer encoded value (Go's JSON encodes []byte as base64).
// Only the characters that do not depend on the surrounding bytes are
// kept, so secret should be at least 16 bytes long.
func Encodings(secret []byte) [][]byte {
	out := [][]byte{
		secret,
		[]byte(hex.EncodeToString(secret)),
		bytes.ToUpper([]byte(hex.EncodeToString(secret))),
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for pad := 0; pad < 3; pad++ {
			// With pad unknown bytes before it, the secret starts in the
			// middle of a 3-byte group; skip the characters that group
			// shares with those bytes, and the last, partial character.
			b := append(make([]byte, pad), secret...)
			s := enc.EncodeToString(b)
			start := (pad*8 + 5) / 6 // first character holding only secret bits
			end := len(b) * 8 / 6    // characters wholly inside the input
			if end > start {
				out = append(out, []byte(s[start:end]))
			}
		}
	}
	return out
}
