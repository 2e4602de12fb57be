package transit

import (
	"crypto"
	"crypto/hmac"
	"encoding/base64"

	"github.com/cofferhq/coffer/engines/framework"
)

func (b *Backend) hmacPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern:    "hmac/" + nameRegex + optionalParam("urlalgorithm"),
		Fields:     fieldsOf("name", "urlalgorithm", "algorithm", "input", "key_version", "batch_input", "context", "signature", "hmac"),
		Synopsis:   "Generate an HMAC for input data using the named key",
		Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleHMAC},
	}}
}

// hmacAlgorithm reads the HMAC hash from the URL or the algorithm field.
func hmacAlgorithm(req *framework.Request) (crypto.Hash, error) {
	name := req.Vars["urlalgorithm"]
	if name == "" {
		v := req.String("algorithm")
		name = v
	}
	if name == "" {
		name = defaultHashAlgorithm
	}
	h, ok := hashAlgorithms[name]
	if !ok || h == 0 {
		return 0, framework.BadRequest("unsupported algorithm %q", name)
	}
	return h, nil
}

// hmacVersion maps key_version to the version whose HMAC key is used.
func (kr *keyring) hmacVersion(ver int) (*keyVersion, error) {
	k := kr.key
	switch {
	case ver == 0:
		ver = k.LatestVersion
	case ver < 0:
		return nil, userErrorf("key version does not exist (cannot be negative)")
	case ver > k.LatestVersion:
		return nil, userErrorf("key version does not exist; latest key version is %d", k.LatestVersion)
	case k.MinEncryptionVersion > 0 && ver < k.MinEncryptionVersion:
		return nil, userErrorf("cannot generate HMAC: version is too old (disallowed by policy)")
	}
	return kr.version(ver)
}

func computeHMAC(h crypto.Hash, key, input []byte) []byte {
	m := hmac.New(h.New, key)
	m.Write(input)
	return m.Sum(nil)
}

func (b *Backend) handleHMAC(req *framework.Request) (*framework.Response, error) {
	ver := req.Int("key_version")
	h, err := hmacAlgorithm(req)
	if err != nil {
		return nil, err
	}
	items, isBatch, err := signItems(req)
	if err != nil {
		return nil, err
	}
	if !isBatch && !items[0].hasInput {
		return nil, framework.BadRequest("missing input for HMAC")
	}
	kr, err := b.existingKey(req.Context(), req.Vars["name"], "encryption key not found")
	if err != nil {
		return nil, err
	}
	v, err := kr.hmacVersion(ver)
	if err != nil {
		return nil, asResponseError(err)
	}
	key := kr.hmacKey(v)
	results, _, err := runItems(items, isBatch, nil, func(_ int, it *signItem, res map[string]any) error {
		if !it.hasInput {
			return userErrorf("missing input for HMAC")
		}
		input, err := base64.StdEncoding.DecodeString(it.input)
		if err != nil {
			return userErrorf("unable to decode input as base64: %s", err)
		}
		res["hmac"] = v.prefix + encodeBase64(computeHMAC(h, key, input))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return itemsResponse(&framework.Response{}, results, isBatch), nil
}

// verifyHMAC is verify with hmac values.
func (b *Backend) verifyHMAC(req *framework.Request, items []*signItem, isBatch bool) (*framework.Response, error) {
	h, err := hmacAlgorithm(req)
	if err != nil {
		return nil, err
	}
	kr, err := b.existingKey(req.Context(), req.Vars["name"], "encryption key not found")
	if err != nil {
		return nil, err
	}
	return verifyItems(items, isBatch, func(it *signItem) (bool, error) { return kr.verifyHMAC(h, it) })
}

func (kr *keyring) verifyHMAC(h crypto.Hash, it *signItem) (bool, error) {
	if !it.hasInput {
		return false, userErrorf("missing input")
	}
	input, err := base64.StdEncoding.DecodeString(it.input)
	if err != nil {
		return false, userErrorf("unable to decode input as base64: %s", err)
	}
	ver, body, err := splitVersioned(it.hmac, "HMAC")
	if err != nil {
		return false, err
	}
	mac, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return false, userErrorf("unable to decode verification HMAC as base64: %s", err)
	}
	if ver > kr.key.LatestVersion {
		return false, userErrorf("invalid HMAC: version is too new")
	}
	if kr.key.MinDecryptionVersion > 0 && ver < kr.key.MinDecryptionVersion {
		return false, userErrorf("cannot verify HMAC: version is too old (disallowed by policy)")
	}
	v, err := kr.version(ver)
	if err != nil {
		return false, err
	}
	return hmac.Equal(computeHMAC(h, kr.hmacKey(v), input), mac), nil
}
