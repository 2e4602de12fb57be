package pki

import (
	"sort"
	"strings"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/events/pkievent"
)

func (b *Backend) issuerPaths() []*framework.Path {
	refField := map[string]*framework.FieldSchema{
		"issuer_ref":              {Type: framework.TypeString, Description: "An issuer id or name, or default."},
		"issuer_name":             {Type: framework.TypeString, Description: "The issuer's name."},
		"leaf_not_after_behavior": {Type: framework.TypeString, Description: "err, truncate or permit."},
		"usage":                   {Type: framework.TypeCommaStringSlice, Description: "The issuer's usages."},
	}
	return []*framework.Path{
		{
			Pattern:    "issuers/?",
			Synopsis:   "List the issuers.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ListOperation: b.listIssuers},
		},
		{
			Pattern:  `issuer/(?P<issuer_ref>[^/]+)`,
			Fields:   refField,
			Synopsis: "Read, update or delete an issuer.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readIssuer,
				framework.UpdateOperation: b.updateIssuer,
				framework.PatchOperation:  b.updateIssuer,
				framework.DeleteOperation: b.deleteIssuer,
			},
		},
		{
			Pattern:         `issuer/(?P<issuer_ref>[^/]+)/(?P<kind>json|der|pem)`,
			Fields:          refField,
			Unauthenticated: true,
			Synopsis:        "An issuer's certificate and chain.",
			Operations:      map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.fetchIssuer},
		},
		{
			Pattern: "config/issuers",
			Fields: map[string]*framework.FieldSchema{
				"default":                       {Type: framework.TypeString, Description: "The default issuer."},
				"default_follows_latest_issuer": {Type: framework.TypeBool, Description: "Not supported; must be false."},
			},
			Synopsis: "The default issuer.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readDefaults,
				framework.UpdateOperation: b.writeDefaultIssuer,
			},
		},
	}
}

func (b *Backend) listIssuers(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(m.Issuers))
	info := map[string]any{}
	for id, is := range m.Issuers {
		ids = append(ids, id)
		info[id] = map[string]any{"issuer_name": is.Name, "is_default": id == m.Config.DefaultIssuer, "serial_number": is.Serial, "key_id": is.KeyID}
	}
	sort.Strings(ids)
	resp := listResponse(ids)
	if resp != nil {
		resp.Data["key_info"] = info
	}
	return resp, nil
}

func issuerData(is *pkievent.Issuer) map[string]any {
	chain := append([]string{is.Certificate}, is.CAChain...)
	usage := strings.Split(is.Usage, ",")
	return map[string]any{
		"issuer_id": is.ID, "issuer_name": is.Name, "key_id": is.KeyID,
		"certificate": is.Certificate, "ca_chain": chain,
		"leaf_not_after_behavior": is.LeafNotAfterBehavior, "usage": strings.Join(usage, ","),
		"serial_number": is.Serial, "manual_chain": nil, "revoked": false,
	}
}

func (b *Backend) mountIssuer(req *framework.Request) (*pkievent.Mount, *pkievent.Issuer, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, nil, err
	}
	is, err := resolveIssuer(m, req.String("issuer_ref"))
	if err != nil {
		return nil, nil, framework.ErrNotFound
	}
	return m, is, nil
}

func (b *Backend) readIssuer(req *framework.Request) (*framework.Response, error) {
	_, is, err := b.mountIssuer(req)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: issuerData(is)}, nil
}

func (b *Backend) fetchIssuer(req *framework.Request) (*framework.Response, error) {
	_, is, err := b.mountIssuer(req)
	if err != nil {
		return nil, err
	}
	switch req.Vars["kind"] {
	case "pem":
		return &framework.Response{Raw: []byte(is.Certificate), RawContentType: contentPEMChain}, nil
	case "der":
		c, err := certs.ParseCertPEM(is.Certificate)
		if err != nil {
			return nil, err
		}
		return &framework.Response{Raw: c.Raw, RawContentType: contentDER}, nil
	}
	d := issuerData(is)
	return &framework.Response{Data: map[string]any{"certificate": d["certificate"], "ca_chain": d["ca_chain"], "issuer_id": is.ID, "issuer_name": is.Name}}, nil
}

func (b *Backend) updateIssuer(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	_, is, err := b.mountIssuer(req)
	if err != nil {
		return nil, err
	}
	upd := *is
	if v, ok := req.GetOk("issuer_name"); ok {
		upd.Name = v.(string)
	}
	if v, ok := req.GetOk("leaf_not_after_behavior"); ok {
		upd.LeafNotAfterBehavior = v.(string)
	}
	if v, ok := req.GetOk("usage"); ok {
		upd.Usage = strings.Join(v.([]string), ",")
	}
	err = b.runner.RunMount(ctx, func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideUpdateIssuer(st, upd) })
	b.invalidate(ctx, pkievent.KindMount, b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: issuerData(&upd)}, nil
}

func (b *Backend) deleteIssuer(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	_, is, err := b.mountIssuer(req)
	if err == framework.ErrNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	err = b.runner.RunMount(ctx, func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideDeleteIssuer(st, is.ID) })
	b.invalidate(ctx, pkievent.KindMount, b.mount.Accessor)
	return nil, err
}

func (b *Backend) readDefaults(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"default": m.Config.DefaultIssuer, "default_follows_latest_issuer": false}}, nil
}

func (b *Backend) writeDefaultIssuer(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	if req.Bool("default_follows_latest_issuer") {
		return nil, framework.BadRequest("default_follows_latest_issuer is not supported")
	}
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	is, err := resolveIssuer(m, req.String("default"))
	if err != nil {
		return nil, err
	}
	err = b.runner.RunMount(ctx, func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideDefaults(st, is.ID, "") })
	b.invalidate(ctx, pkievent.KindMount, b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"default": is.ID, "default_follows_latest_issuer": false}}, nil
}
