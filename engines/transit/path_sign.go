package transit

import (
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/engines/framework"
)

func (b *Backend) signPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "sign/" + nameRegex + optionalParam("urlalgorithm"),
			Fields:     fieldsOf("name", "urlalgorithm", "algorithm", "hash_algorithm", "input", "context", "key_version", "prehashed", "signature_algorithm", "marshaling_algorithm", "salt_length", "batch_input", "signature", "hmac"),
			Synopsis:   "Generate a signature for input data using the named key",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleSign},
		},
		{
			Pattern:    "verify/" + nameRegex + optionalParam("urlalgorithm"),
			Fields:     fieldsOf("name", "urlalgorithm", "algorithm", "hash_algorithm", "input", "context", "key_version", "prehashed", "signature_algorithm", "marshaling_algorithm", "salt_length", "batch_input", "signature", "hmac"),
			Synopsis:   "Verify a signature or HMAC for input data created using the named key",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleVerify},
		},
	}
}

// hashAlgorithm reads the hash from the URL, hash_algorithm or the
// deprecated algorithm field, in Vault's order of precedence.
func hashAlgorithm(req *framework.Request) (string, crypto.Hash, error) {
	name := req.Vars["urlalgorithm"]
	for _, key := range []string{"hash_algorithm", "algorithm"} {
		if name != "" {
			break
		}
		v := req.String(key)
		name = v
	}
	if name == "" {
		name = defaultHashAlgorithm
	}
	h, ok := hashAlgorithms[name]
	if !ok {
		return "", 0, framework.BadRequest("invalid hash algorithm %q", name)
	}
	return name, h, nil
}

func saltLength(req *framework.Request) (int, error) {
	s := req.String("salt_length")
	switch strings.ToLower(s) {
	case "", "auto":
		return rsa.PSSSaltLengthAuto, nil
	case "hash":
		return rsa.PSSSaltLengthEqualsHash, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, framework.BadRequest("salt length neither 'auto', 'hash', nor an int: %s", s)
	}
	if n < rsa.PSSSaltLengthEqualsHash {
		return 0, framework.BadRequest("salt length is invalid: %d", n)
	}
	return n, nil
}

// signingOptions reads the parameters shared by sign and verify.
func signingOptions(req *framework.Request) (signOptions, error) {
	var o signOptions
	_, h, err := hashAlgorithm(req)
	if err != nil {
		return o, err
	}
	o.hash = h
	o.marshaling = req.String("marshaling_algorithm")
	switch o.marshaling {
	case "":
		o.marshaling = marshalingASN1
	case marshalingASN1, marshalingJWS:
	default:
		return o, framework.BadRequest("invalid marshaling type %q", o.marshaling)
	}
	o.prehashed = req.Bool("prehashed")
	o.sigAlgorithm = req.String("signature_algorithm")
	if o.saltLength, err = saltLength(req); err != nil {
		return o, err
	}
	if h == 0 && (!o.prehashed || o.sigAlgorithm != "pkcs1v15") {
		return o, framework.BadRequest("hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15")
	}
	return o, nil
}

// signItem is one input of a sign, verify or hmac request.
type signItem struct {
	input, context, signature, hmac, reference string
	hasInput, hasSignature, hasHMAC            bool
}

// signItems reads batch_input, or the request's own fields as one item.
func signItems(req *framework.Request) ([]*signItem, bool, error) {
	batch, isBatch, err := batchInput(req)
	if err != nil {
		return nil, isBatch, err
	}
	if !isBatch {
		it := &signItem{}
		it.input, it.hasInput = req.StringOk("input")
		it.context = req.String("context")
		it.signature, it.hasSignature = req.StringOk("signature")
		it.hmac, it.hasHMAC = req.StringOk("hmac")
		return []*signItem{it}, false, nil
	}
	items := make([]*signItem, len(batch))
	for i, bi := range batch {
		it := &signItem{}
		if it.input, it.hasInput, err = bi.str("input"); err != nil {
			return nil, true, err
		}
		if it.context, _, err = bi.str("context"); err != nil {
			return nil, true, err
		}
		if it.signature, it.hasSignature, err = bi.str("signature"); err != nil {
			return nil, true, err
		}
		if it.hmac, it.hasHMAC, err = bi.str("hmac"); err != nil {
			return nil, true, err
		}
		if it.reference, _, err = bi.str("reference"); err != nil {
			return nil, true, err
		}
		items[i] = it
	}
	return items, true, nil
}

// decode returns the item's input and context.
func (it *signItem) decode() ([]byte, []byte, error) {
	if !it.hasInput {
		return nil, nil, userErrorf("missing input")
	}
	input, err := base64.StdEncoding.DecodeString(it.input)
	if err != nil {
		return nil, nil, userErrorf("unable to decode input as base64: %s", err)
	}
	var ctx []byte
	if it.context != "" {
		if ctx, err = base64.StdEncoding.DecodeString(it.context); err != nil {
			return nil, nil, userErrorf("failed to base64-decode context")
		}
	}
	return input, ctx, nil
}

func (b *Backend) handleSign(req *framework.Request) (*framework.Response, error) {
	ver := req.Int("key_version")
	o, err := signingOptions(req)
	if err != nil {
		return nil, err
	}
	kr, err := b.existingKey(req.Context(), req.Vars["name"], "signing key not found")
	if err != nil {
		return nil, err
	}
	if !kr.kt.SigningSupported() {
		return nil, framework.BadRequest("key type %s does not support signing", kr.kt)
	}
	items, isBatch, err := signItems(req)
	if err != nil {
		return nil, err
	}
	results, _, err := runItems(items, isBatch, nil, func(_ int, it *signItem, res map[string]any) error {
		input, ctx, err := it.decode()
		if err != nil {
			return err
		}
		sig, pub, used, err := kr.sign(ver, ctx, input, o)
		if err != nil {
			return err
		}
		res["signature"] = sig
		res["key_version"] = used
		if len(pub) > 0 {
			key := "public_key"
			if isBatch {
				key = "publickey" // Vault's batch field name
			}
			res[key] = encodeBase64(pub)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return itemsResponse(&framework.Response{}, results, isBatch), nil
}

func (b *Backend) handleVerify(req *framework.Request) (*framework.Response, error) {
	items, isBatch, err := signItems(req)
	if err != nil {
		return nil, err
	}
	var sigs, hmacs, neither int
	for _, it := range items {
		switch {
		case it.hasSignature:
			sigs++
		case it.hasHMAC:
			hmacs++
		default:
			neither++
		}
	}
	switch {
	case !isBatch && it0(items).hasSignature && it0(items).hasHMAC:
		return nil, framework.BadRequest("provide one of 'signature' or 'hmac'")
	case !isBatch && sigs == 0 && hmacs == 0:
		return nil, framework.BadRequest("neither a 'signature' nor an 'hmac' were given to verify")
	case sigs > 0 && hmacs > 0:
		return nil, framework.BadRequest("elements of batch_input must all provide 'signature' or all provide 'hmac'")
	case neither > 0 && sigs > 0:
		return nil, framework.BadRequest("some elements of batch_input are missing 'signature'")
	case neither > 0 && hmacs > 0:
		return nil, framework.BadRequest("some elements of batch_input are missing 'hmac'")
	case neither > 0:
		return nil, framework.BadRequest("no batch_input elements have 'signature' or 'hmac'")
	case hmacs > 0:
		return b.verifyHMAC(req, items, isBatch)
	}
	o, err := signingOptions(req)
	if err != nil {
		return nil, err
	}
	kr, err := b.existingKey(req.Context(), req.Vars["name"], "signature verification key not found")
	if err != nil {
		return nil, err
	}
	if !kr.kt.SigningSupported() {
		return nil, framework.BadRequest("key type %s does not support verification", kr.kt)
	}
	return verifyItems(items, isBatch, func(it *signItem) (bool, error) {
		input, ctx, err := it.decode()
		if err != nil {
			return false, err
		}
		return kr.verify(ctx, input, it.signature, o)
	})
}

// verifyItems answers a verify request, by signature or by HMAC, with
// whether each item is valid. An item that fails says "valid": false beside
// its error, as Vault's do.
func verifyItems(items []*signItem, isBatch bool, verify func(*signItem) (bool, error)) (*framework.Response, error) {
	base := map[string]any{"valid": false}
	results, _, err := runItems(items, isBatch, base, func(_ int, it *signItem, res map[string]any) error {
		valid, err := verify(it)
		if err != nil {
			return err
		}
		res["valid"] = valid
		return nil
	})
	if err != nil {
		return nil, err
	}
	return itemsResponse(&framework.Response{}, results, isBatch), nil
}

func it0(items []*signItem) *signItem { return items[0] }
