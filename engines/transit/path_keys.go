package transit

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strconv"
	"time"

	cmdtransit "github.com/cofferhq/coffer/commands/transit"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/projections/transitstore"
)

func (b *Backend) keyPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "keys/?",
			Fields:     fieldsOf(),
			Synopsis:   "Managed named encryption keys",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ListOperation: b.handleListKeys},
		},
		{
			Pattern:  "keys/" + nameRegex,
			Fields:   fieldsOf("name", "type", "derived", "convergent_encryption", "convergent_version", "exportable", "allow_plaintext_backup", "auto_rotate_period", "key_size", "context"),
			Synopsis: "Managed named encryption keys",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.UpdateOperation: b.handleCreateKey,
				framework.ReadOperation:   b.handleReadKey,
				framework.DeleteOperation: b.handleDeleteKey,
			},
		},
	}
}

func (b *Backend) handleListKeys(req *framework.Request) (*framework.Response, error) {
	names, err := transitstore.List(b.deps.Store, b.mount)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, framework.ErrNotFound
	}
	return &framework.Response{Data: map[string]any{"keys": names}}, nil
}

// createKeyRequest reads the key creation fields of keys/:name.
func createKeyRequest(req *framework.Request) (cmdtransit.CreateKey, error) {
	var c cmdtransit.CreateKey
	typ := req.String("type")
	if typ == "" {
		typ = string(cmdtransit.AES256GCM96)
	}
	kt, err := cmdtransit.ParseKeyType(typ)
	if err != nil {
		return c, err
	}
	c.Type = kt
	for key, dst := range map[string]*bool{
		"derived": &c.Derived, "convergent_encryption": &c.Convergent,
		"exportable": &c.Exportable, "allow_plaintext_backup": &c.AllowPlaintextBackup,
	} {
		v := req.Bool(key)
		*dst = v
	}
	c.AutoRotatePeriod = req.Duration("auto_rotate_period")
	c.KeySize = req.Int("key_size")
	c.ConvergentVersion = req.Int("convergent_version")
	return c, nil
}

func (b *Backend) handleCreateKey(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	c, err := createKeyRequest(req)
	if err != nil {
		return nil, err
	}
	created, err := b.runner.Create(req.Context(), name, c)
	var warnings []string
	if err == nil && !created {
		warnings = []string{"key " + name + " already existed"}
	}
	return b.keyChanged(req, name, err, warnings)
}

func (b *Backend) handleReadKey(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	contextB64 := req.String("context")
	var context []byte
	if contextB64 != "" {
		var err error
		if context, err = base64.StdEncoding.DecodeString(contextB64); err != nil {
			return nil, framework.BadRequest("failed to base64-decode context")
		}
	}
	resp, err := b.keyResponse(req, name, context)
	if errors.Is(err, errKeyNotFound) {
		return nil, framework.ErrNotFound
	}
	return resp, err
}

func (b *Backend) handleDeleteKey(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	err := b.runner.Delete(req.Context(), name)
	b.cache.invalidate(name)
	switch {
	case errors.Is(err, cmdtransit.ErrNotFound):
		return nil, framework.BadRequest("error deleting policy %s: could not delete key; not found", name)
	case errors.Is(err, cmdtransit.ErrDeletionNotAllowed):
		return nil, framework.BadRequest("error deleting policy %s: deletion is not allowed for this key", name)
	case err != nil:
		return nil, err
	}
	return nil, nil
}

// commandError maps a key command's error to its response.

// keyResponse is a key read: the record as the projections hold it (the
// command that just changed it waited for them), opened only when a
// derived Ed25519 key's public key for context is asked for.
func (b *Backend) keyResponse(req *framework.Request, name string, context []byte) (*framework.Response, error) {
	k, err := transitstore.Get(b.deps.Store, b.mount, name)
	if errors.Is(err, transitstore.ErrNotFound) {
		return nil, errKeyNotFound
	}
	if err != nil {
		return nil, err
	}
	var kr *keyring
	if len(context) > 0 && k.Derived && k.Type == string(cmdtransit.Ed25519) {
		if kr, err = b.keyring(req.Context(), name); err != nil {
			return nil, err
		}
	}
	data, err := formatKey(k, kr, context)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: data}, nil
}

// readableVersions are the versions a key read lists: those still
// allowed to decrypt, as Vault archives the others.
func readableVersions(k *transitevent.Key) []int {
	var out []int
	for _, v := range k.VersionNumbers() {
		if v >= k.MinDecryptionVersion {
			out = append(out, v)
		}
	}
	return out
}

// formatKey renders a key as Vault's key read does.
func formatKey(k *transitevent.Key, kr *keyring, context []byte) (map[string]any, error) {
	kt := cmdtransit.KeyType(k.Type)
	data := map[string]any{
		"name":                   k.Name,
		"type":                   k.Type,
		"derived":                k.Derived,
		"deletion_allowed":       k.DeletionAllowed,
		"min_available_version":  k.MinAvailableVersion,
		"min_decryption_version": k.MinDecryptionVersion,
		"min_encryption_version": k.MinEncryptionVersion,
		"latest_version":         k.LatestVersion,
		"exportable":             k.Exportable,
		"allow_plaintext_backup": k.AllowPlaintextBackup,
		"supports_encryption":    kt.EncryptionSupported(),
		"supports_decryption":    kt.DecryptionSupported(),
		"supports_signing":       kt.SigningSupported(),
		"supports_derivation":    kt.DerivationSupported(),
		"auto_rotate_period":     int64(k.AutoRotatePeriod / time.Second),
		"imported_key":           false,
	}
	if k.KeySize != 0 {
		data["key_size"] = k.KeySize
	}
	if k.Derived {
		data["kdf"] = k.KDF
		data["convergent_encryption"] = k.ConvergentEncryption
		if k.ConvergentEncryption {
			// Vault reports -1 for keys whose convergent version is kept
			// per version (every key made since Vault 0.6.2), as ours are.
			data["convergent_encryption_version"] = -1
			// Coffer's own: which nonce scheme (3 Vault's, 4 with the
			// associated data).
			data["convergent_version"] = k.ConvergentVersion
		}
	}
	if !kt.Asymmetric() {
		times := map[string]int64{}
		for _, v := range readableVersions(k) {
			times[strconv.Itoa(v)] = k.Versions[v].CreatedTime.Unix()
		}
		data["keys"] = times
		return data, nil
	}
	keys := map[string]map[string]any{}
	for _, v := range readableVersions(k) {
		info := k.Versions[v]
		entry := map[string]any{
			"name":              publicKeyName(kt),
			"public_key":        info.PublicKey,
			"creation_time":     info.CreatedTime,
			"certificate_chain": "",
		}
		if kt == cmdtransit.Ed25519 && k.Derived {
			entry["public_key"] = ""
			if kr != nil {
				kv, err := kr.version(v)
				if err != nil {
					return nil, err
				}
				priv, err := kr.ed25519Key(kv, context)
				if err != nil {
					return nil, err
				}
				entry["public_key"] = base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))
			}
		}
		keys[strconv.Itoa(v)] = entry
	}
	data["keys"] = keys
	return data, nil
}

// publicKeyName is the "name" Vault gives each version of an asymmetric
// key: the curve name for ECDSA, the type otherwise.
func publicKeyName(kt cmdtransit.KeyType) string {
	if c := kt.Curve(); c != nil {
		return c.Params().Name
	}
	return string(kt)
}
