package transit

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/cofferhq/coffer/engines/framework"
)

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func (b *Backend) datakeyPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern:    "datakey/" + framework.GenericNameRegex("plaintext") + "/" + nameRegex,
		Fields:     fieldsOf("name", "context", "nonce", "bits", "key_version"),
		Synopsis:   "Generate a data key",
		Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleDatakey},
	}}
}

// handleDatakey makes a random key and returns it encrypted under the
// named key ("wrapped"), and also in plaintext ("plaintext").
func (b *Backend) handleDatakey(req *framework.Request) (*framework.Response, error) {
	var withPlaintext bool
	switch req.Vars["plaintext"] {
	case "plaintext":
		withPlaintext = true
	case "wrapped":
	default:
		return nil, framework.BadRequest("Invalid path, must be 'plaintext' or 'wrapped'")
	}
	ver := req.Int("key_version")
	bits, ok := req.IntOk("bits")
	if !ok {
		bits = 256
	}
	if bits != 128 && bits != 256 && bits != 512 {
		return nil, framework.BadRequest("invalid bit length")
	}
	var ctx []byte
	if s := req.String("context"); s != "" {
		var err error
		if ctx, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, framework.BadRequest("failed to base64-decode context")
		}
	}
	if req.String("nonce") != "" {
		return nil, framework.BadRequest("provided nonce not allowed for this key")
	}
	kr, err := b.existingKey(req.Context(), req.Vars["name"], "encryption key not found")
	if err != nil {
		return nil, err
	}
	newKey := make([]byte, bits/8)
	if _, err := rand.Read(newKey); err != nil {
		return nil, fmt.Errorf("transit: random: %w", err)
	}
	ct, used, err := kr.encrypt(ver, ctx, newKey, nil)
	if err != nil {
		return nil, asResponseError(err)
	}
	data := map[string]any{"ciphertext": ct, "key_version": used}
	if withPlaintext {
		data["plaintext"] = encodeBase64(newKey)
	}
	return &framework.Response{Data: data}, nil
}
