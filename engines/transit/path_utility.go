package transit

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/cofferhq/coffer/engines/framework"
)

// MaxRandomBytes bounds random/:bytes, as Vault does.
const MaxRandomBytes = 128 * 1024

func (b *Backend) utilityPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "random(/" + framework.GenericNameRegex("source") + ")?" + optionalParam("urlbytes"),
			Fields:     fieldsOf("bytes", "format"),
			Synopsis:   "Generate random bytes",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: handleRandom},
		},
		{
			Pattern:    "hash" + optionalParam("urlalgorithm"),
			Fields:     fieldsOf("urlalgorithm", "algorithm", "input", "format"),
			Synopsis:   "Generate a hash sum for input data",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: handleHash},
		},
	}
}

func validRandomSource(s string) bool { return s == "platform" || s == "seal" || s == "all" }

// randomRequest reads the byte count and source. Vault lets a single path
// segment be either ("random/seal", "random/64"), so operators can write
// ACLs on both.
func randomRequest(req *framework.Request) (int, string, error) {
	source, urlBytes := req.Vars["source"], req.Vars["urlbytes"]
	bytesStr := urlBytes
	switch {
	case source == "":
		source = "platform"
	case urlBytes == "" && !validRandomSource(source):
		bytesStr, source = source, "platform"
	}
	if !validRandomSource(source) {
		return 0, "", framework.BadRequest("unsupported entropy source %q; must be \"platform\" or \"seal\", or \"all\"", source)
	}
	n := 32
	if bytesStr != "" {
		v, err := strconv.Atoi(bytesStr)
		if err != nil {
			return 0, "", framework.BadRequest("error parsing url-set byte count: %v", err)
		}
		n = v
	} else if v, ok := req.IntOk("bytes"); ok {
		n = v
	}
	if n < 1 {
		return 0, "", framework.BadRequest("missing or invalid bytes")
	}
	if n > MaxRandomBytes {
		return 0, "", framework.BadRequest("bytes cannot be more than %d", MaxRandomBytes)
	}
	return n, source, nil
}

func outputFormat(req *framework.Request, def string) (string, error) {
	format := req.String("format")
	if format == "" {
		format = def
	}
	if format != "hex" && format != "base64" {
		return "", framework.BadRequest("unsupported encoding format %q; must be \"hex\" or \"base64\"", format)
	}
	return format, nil
}

func encodeAs(format string, b []byte) string {
	if format == "hex" {
		return hex.EncodeToString(b)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// handleRandom returns random bytes. Every source is the platform's
// CSPRNG: Coffer's seals (Shamir, KMS) are not entropy sources, so "seal"
// and "all" are accepted for compatibility and served the same way.
func handleRandom(req *framework.Request) (*framework.Response, error) {
	n, _, err := randomRequest(req)
	if err != nil {
		return nil, err
	}
	format, err := outputFormat(req, "base64")
	if err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("transit: random: %w", err)
	}
	return &framework.Response{Data: map[string]any{"random_bytes": encodeAs(format, buf)}}, nil
}

func handleHash(req *framework.Request) (*framework.Response, error) {
	input, ok := req.StringOk("input")
	if !ok {
		return nil, framework.BadRequest("missing input")
	}
	format, err := outputFormat(req, "hex")
	if err != nil {
		return nil, err
	}
	name := req.Vars["urlalgorithm"]
	if name == "" {
		name = req.String("algorithm")
	}
	if name == "" {
		name = defaultHashAlgorithm
	}
	h, ok := hashAlgorithms[name]
	if !ok || h == 0 {
		return nil, framework.BadRequest("unsupported algorithm %s", name)
	}
	raw, err := base64.StdEncoding.DecodeString(input)
	if err != nil {
		return nil, framework.BadRequest("unable to decode input as base64: %s", err)
	}
	return &framework.Response{Data: map[string]any{"sum": encodeAs(format, digest(h, raw))}}, nil
}
