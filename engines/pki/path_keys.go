package pki

import (
	"crypto/rand"
	"sort"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/events/pkievent"
)

func (b *Backend) keyPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "keys/?",
			Synopsis:   "List the keys.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ListOperation: b.listKeys},
		},
		{
			Pattern: `key/(?P<key_ref>[^/]+)`,
			Fields: map[string]*framework.FieldSchema{
				"key_ref":  {Type: framework.TypeString, Description: "A key id or name, or default."},
				"key_name": {Type: framework.TypeString, Description: "The key's name."},
			},
			Synopsis: "Read, rename or delete a key.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readKey,
				framework.UpdateOperation: b.renameKey,
				framework.DeleteOperation: b.deleteKey,
			},
		},
		{
			Pattern: `keys/generate/(?P<exported>internal|exported)`,
			Fields: map[string]*framework.FieldSchema{
				"exported": {Type: framework.TypeString, Description: "internal or exported."},
				"key_name": {Type: framework.TypeString, Description: "The key's name."},
				"key_type": {Type: framework.TypeString, Default: "rsa", Description: "rsa, ec or ed25519."},
				"key_bits": {Type: framework.TypeInt, Description: "The key size."},
			},
			Synopsis:   "Generate a key.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.generateKey},
		},
		{
			Pattern: "keys/import",
			Fields: map[string]*framework.FieldSchema{
				"key_name":   {Type: framework.TypeString, Description: "The key's name."},
				"pem_bundle": {Type: framework.TypeString, Required: true, Description: "The PEM private key."},
			},
			Synopsis:   "Import a key.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.importKey},
		},
		{
			Pattern: "config/keys",
			Fields: map[string]*framework.FieldSchema{
				"default": {Type: framework.TypeString, Description: "The default key."},
			},
			Synopsis: "The default key.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readDefaultKey,
				framework.UpdateOperation: b.writeDefaultKey,
			},
		},
	}
}

func (b *Backend) listKeys(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(m.Keys))
	info := map[string]any{}
	for id, k := range m.Keys {
		ids = append(ids, id)
		info[id] = map[string]any{"key_name": k.Name}
	}
	sort.Strings(ids)
	resp := listResponse(ids)
	if resp != nil {
		resp.Data["key_info"] = info
	}
	return resp, nil
}

func keyData(k *pkievent.Key) map[string]any {
	return map[string]any{"key_id": k.ID, "key_name": k.Name, "key_type": k.Type, "key_bits": k.Bits, "public_key": k.PublicKey}
}

func (b *Backend) mountKey(req *framework.Request) (*pkievent.Key, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	k, err := resolveKey(m, req.String("key_ref"))
	if err != nil {
		return nil, framework.ErrNotFound
	}
	return k, nil
}

func (b *Backend) readKey(req *framework.Request) (*framework.Response, error) {
	k, err := b.mountKey(req)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: keyData(k)}, nil
}

func (b *Backend) renameKey(req *framework.Request) (*framework.Response, error) {
	k, err := b.mountKey(req)
	if err != nil {
		return nil, err
	}
	name := req.String("key_name")
	err = b.runner.RunMount(req.Context(), func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideUpdateKey(st, k.ID, name) })
	if err != nil {
		return nil, err
	}
	c := *k
	c.Name = name
	return &framework.Response{Data: keyData(&c)}, nil
}

func (b *Backend) deleteKey(req *framework.Request) (*framework.Response, error) {
	k, err := b.mountKey(req)
	if err == framework.ErrNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	err = b.runner.DeleteKey(req.Context(), k.ID)
	b.invalidate(req.Context(), pkievent.KindMount, b.mount.Accessor)
	return nil, err
}

func (b *Backend) generateKey(req *framework.Request) (*framework.Response, error) {
	bits, _, err := certs.NormalizeKeyParams(req.String("key_type"), req.Int("key_bits"), 0)
	if err != nil {
		return nil, refusal(err)
	}
	key, err := certs.GenerateKey(rand.Reader, req.String("key_type"), bits)
	if err != nil {
		return nil, refusal(err)
	}
	return b.addKey(req, key, false)
}

func (b *Backend) importKey(req *framework.Request) (*framework.Response, error) {
	key, err := certs.ParsePrivateKeyPEM(req.String("pem_bundle"))
	if err != nil {
		return nil, refusal(err)
	}
	return b.addKey(req, key, true)
}

func (b *Backend) addKey(req *framework.Request, key *certs.PrivateKey, imported bool) (*framework.Response, error) {
	kc, err := b.sealNewKey(req.Context(), key, req.String("key_name"))
	if err != nil {
		return nil, err
	}
	kc.Key.Imported = imported
	if err := b.storeCA(req.Context(), cmdpki.NewCA{Key: kc}); err != nil {
		return nil, err
	}
	data := keyData(&kc.Key)
	if req.Vars["exported"] == "exported" {
		data["private_key"] = key.PEM()
	}
	return &framework.Response{Data: data}, nil
}

func (b *Backend) readDefaultKey(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"default": m.Config.DefaultKey}}, nil
}

func (b *Backend) writeDefaultKey(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	k, err := resolveKey(m, req.String("default"))
	if err != nil {
		return nil, err
	}
	err = b.runner.RunMount(req.Context(), func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideDefaults(st, "", k.ID) })
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"default": k.ID}}, nil
}
