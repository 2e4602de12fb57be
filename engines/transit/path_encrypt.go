package transit

import (
	"context"
	"errors"
	"fmt"

	cmdtransit "github.com/cofferhq/coffer/commands/transit"
	"github.com/cofferhq/coffer/engines/framework"
)

func (b *Backend) encryptPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:  "encrypt/" + nameRegex,
			Fields:   fieldsOf("name", "plaintext", "ciphertext", "context", "nonce", "key_version", "associated_data", "batch_input", "partial_failure_response_code", "type", "convergent_encryption"),
			Synopsis: "Encrypt a plaintext value or a batch of plaintext blocks using a named key",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.CreateOperation: b.handleEncrypt,
				framework.UpdateOperation: b.handleEncrypt,
			},
			// A write to a missing key is a "create": it makes the key
			// (Vault's upsert), which a policy must allow.
			ExistenceCheck: func(req *framework.Request) (bool, error) { return b.exists(req.Vars["name"]) },
		},
		{
			Pattern:    "decrypt/" + nameRegex,
			Fields:     fieldsOf("name", "plaintext", "ciphertext", "context", "nonce", "key_version", "associated_data", "batch_input", "partial_failure_response_code", "type", "convergent_encryption"),
			Synopsis:   "Decrypt a ciphertext value using a named key",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleDecrypt},
		},
		{
			Pattern:    "rewrap/" + nameRegex,
			Fields:     fieldsOf("name", "plaintext", "ciphertext", "context", "nonce", "key_version", "associated_data", "batch_input", "partial_failure_response_code", "type", "convergent_encryption"),
			Synopsis:   "Rewrap ciphertext",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleRewrap},
		},
	}
}

// cryptItem is one plaintext or ciphertext to process, from batch_input or
// from the request's own fields.
type cryptItem struct {
	plaintext, ciphertext, context, aad, nonce, reference string
	keyVersion                                            int
	hasPlaintext                                          bool
	// decoded inputs; err is the item's own failure.
	plain, ctx, ad []byte
	err            error
}

// cryptItems reads the items of an encrypt, decrypt or rewrap request.
func cryptItems(req *framework.Request) ([]*cryptItem, bool, error) {
	batch, isBatch, err := batchInput(req)
	if err != nil {
		return nil, isBatch, err
	}
	if !isBatch {
		it := &cryptItem{}
		for key, dst := range map[string]*string{
			"ciphertext": &it.ciphertext, "context": &it.context,
			"associated_data": &it.aad, "nonce": &it.nonce,
		} {
			*dst = req.String(key)
		}
		it.plaintext, it.hasPlaintext = req.StringOk("plaintext")
		it.keyVersion = req.Int("key_version")
		return []*cryptItem{it}, false, nil
	}
	items := make([]*cryptItem, len(batch))
	for i, bi := range batch {
		it := &cryptItem{}
		for key, dst := range map[string]*string{
			"ciphertext": &it.ciphertext, "context": &it.context,
			"associated_data": &it.aad, "nonce": &it.nonce, "reference": &it.reference,
		} {
			if *dst, _, err = bi.str(key); err != nil {
				return nil, true, err
			}
		}
		if it.plaintext, it.hasPlaintext, err = bi.str("plaintext"); err != nil {
			return nil, true, err
		}
		if it.keyVersion, err = bi.integer("key_version"); err != nil {
			return nil, true, err
		}
		items[i] = it
	}
	return items, true, nil
}

// decodeCommon checks the context rule for the whole request and decodes
// each item's context and associated data. Vault refuses a request that
// mixes items with and without a context.
func decodeCommon(items []*cryptItem) error {
	contextSet := items[0].context != ""
	for _, it := range items {
		if (it.context != "") != contextSet {
			return framework.BadRequest("context should be set either in all the request blocks or in none")
		}
	}
	for _, it := range items {
		if it.err != nil {
			continue
		}
		if it.nonce != "" {
			// Only Vault's first convergent scheme took a caller's nonce;
			// keys made here never do.
			it.err = userErrorf("provided nonce not allowed for this key")
			continue
		}
		if it.context != "" {
			if it.ctx, it.err = decodeBase64Field(it.context); it.err != nil {
				continue
			}
		}
		if it.aad != "" {
			if it.ad, it.err = decodeBase64Field(it.aad); it.err != nil {
				it.err = userErrorf("invalid associated_data: %v", it.err)
			}
		}
	}
	return nil
}

func checkAssociatedData(kr *keyring, it *cryptItem, i int) error {
	if it.aad != "" && !kr.kt.AssociatedDataSupported() {
		return userErrorf("'[%d].associated_data' provided for non-AEAD cipher suite %s", i, kr.kt)
	}
	return nil
}

func (b *Backend) handleEncrypt(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	items, isBatch, err := cryptItems(req)
	if err != nil {
		return nil, err
	}
	if !isBatch && !items[0].hasPlaintext {
		return nil, framework.BadRequest("missing plaintext to encrypt")
	}
	for _, it := range items {
		if !it.hasPlaintext {
			it.err = userErrorf("missing plaintext to encrypt")
			continue
		}
		it.plain, it.err = decodeBase64Field(it.plaintext)
	}
	if err := decodeCommon(items); err != nil {
		return nil, err
	}
	kr, warnings, err := b.encryptionKey(req, name, items[0].context != "")
	if err != nil {
		return nil, err
	}
	results, outcome, err := runItems(items, isBatch, nil, func(i int, it *cryptItem, res map[string]any) error {
		if it.err != nil {
			return it.err
		}
		if err := checkAssociatedData(kr, it, i); err != nil {
			return err
		}
		return kr.encryptInto(res, it.keyVersion, it.ctx, it.plain, it.ad)
	})
	if err != nil {
		return nil, err
	}
	return outcome.respond(req, itemsResponse(&framework.Response{Warnings: warnings}, results, isBatch))
}

// encryptionKey returns the key to encrypt with. A create request for a
// missing key makes it first (Vault's upsert: derived when the request has
// a context).
func (b *Backend) encryptionKey(req *framework.Request, name string, contextSet bool) (*keyring, []string, error) {
	kr, err := b.keyring(req.Context(), name)
	if !errors.Is(err, errKeyNotFound) {
		return kr, nil, err
	}
	if req.Operation != framework.CreateOperation {
		return nil, nil, framework.BadRequest("encryption key not found")
	}
	c, err := upsertRequest(req, contextSet)
	if err != nil {
		return nil, nil, err
	}
	created, err := b.runner.Create(req.Context(), name, c)
	b.cache.invalidate(name)
	if err != nil {
		return nil, nil, err
	}
	var warnings []string
	if !created {
		warnings = append(warnings, "Attempted creation of the key during the encrypt operation, but it was created beforehand")
	}
	kr, err = b.keyring(req.Context(), name)
	return kr, warnings, err
}

func upsertRequest(req *framework.Request, contextSet bool) (cmdtransit.CreateKey, error) {
	convergent := req.Bool("convergent_encryption")
	if convergent && !contextSet {
		return cmdtransit.CreateKey{}, framework.BadRequest("convergent encryption requires derivation to be enabled, so context is required")
	}
	typ := req.String("type")
	if typ == "" {
		typ = string(cmdtransit.AES256GCM96)
	}
	kt, err := cmdtransit.ParseKeyType(typ)
	if err != nil {
		return cmdtransit.CreateKey{}, framework.BadRequest("%s", err.Error())
	}
	if !kt.Symmetric() {
		return cmdtransit.CreateKey{}, framework.BadRequest("key type %v not supported for this operation", kt)
	}
	return cmdtransit.CreateKey{Type: kt, Derived: contextSet, Convergent: convergent}, nil
}

// encryptInto encrypts plain and puts the ciphertext and the key version
// used in res: the answer of encrypt and rewrap alike. res is left as it
// was if encryption fails.
func (kr *keyring) encryptInto(res map[string]any, ver int, ctx, plain, ad []byte) error {
	ct, used, err := kr.encrypt(ver, ctx, plain, ad)
	if err != nil {
		return err
	}
	res["ciphertext"] = ct
	res["key_version"] = used
	return nil
}

// ciphertextItems reads the items of a decrypt or rewrap request (verb
// names the operation in its errors) and loads the key they were sealed
// with.
func (b *Backend) ciphertextItems(req *framework.Request, verb string) ([]*cryptItem, bool, *keyring, error) {
	items, isBatch, err := cryptItems(req)
	if err != nil {
		return nil, false, nil, err
	}
	if !isBatch && items[0].ciphertext == "" {
		return nil, false, nil, framework.BadRequest("missing ciphertext to %s", verb)
	}
	if err := decodeCommon(items); err != nil {
		return nil, false, nil, err
	}
	kr, err := b.existingKey(req.Context(), req.Vars["name"], "encryption key not found")
	if err != nil {
		return nil, false, nil, err
	}
	return items, isBatch, kr, nil
}

// ciphertextError is why a decrypt or rewrap item fails before its
// ciphertext is opened: its own decoding error or a missing ciphertext.
func (it *cryptItem) ciphertextError(verb string) error {
	if it.err != nil {
		return it.err
	}
	if it.ciphertext == "" {
		return userErrorf("missing ciphertext to %s", verb)
	}
	return nil
}

func (b *Backend) handleDecrypt(req *framework.Request) (*framework.Response, error) {
	items, isBatch, kr, err := b.ciphertextItems(req, "decrypt")
	if err != nil {
		return nil, err
	}
	// A failed item still reports an empty plaintext, as Vault's does.
	base := map[string]any{"plaintext": ""}
	results, outcome, err := runItems(items, isBatch, base, func(i int, it *cryptItem, res map[string]any) error {
		if err := it.ciphertextError("decrypt"); err != nil {
			return err
		}
		if err := checkAssociatedData(kr, it, i); err != nil {
			return err
		}
		plain, err := kr.decrypt(it.ctx, it.ad, it.ciphertext)
		if err != nil {
			return err
		}
		res["plaintext"] = encodeBase64(plain)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return outcome.respond(req, itemsResponse(&framework.Response{}, results, isBatch))
}

func (b *Backend) handleRewrap(req *framework.Request) (*framework.Response, error) {
	items, isBatch, kr, err := b.ciphertextItems(req, "rewrap")
	if err != nil {
		return nil, err
	}
	results, outcome, err := runItems(items, isBatch, nil, func(_ int, it *cryptItem, res map[string]any) error {
		if err := it.ciphertextError("rewrap"); err != nil {
			return err
		}
		if it.aad != "" {
			return userErrorf("associated_data is not supported by rewrap")
		}
		plain, err := kr.decrypt(it.ctx, nil, it.ciphertext)
		if err != nil {
			return err
		}
		return kr.encryptInto(res, it.keyVersion, it.ctx, plain, nil)
	})
	if err != nil {
		return nil, err
	}
	return outcome.respond(req, itemsResponse(&framework.Response{}, results, isBatch))
}

// existingKey returns the key, or a 400 with notFound (Vault answers the
// operations on a missing key that way, not with 404).
func (b *Backend) existingKey(ctx context.Context, name, notFound string) (*keyring, error) {
	kr, err := b.keyring(ctx, name)
	if errors.Is(err, errKeyNotFound) {
		return nil, framework.BadRequest("%s", notFound)
	}
	if err != nil {
		return nil, fmt.Errorf("transit: load key: %w", err)
	}
	return kr, nil
}
