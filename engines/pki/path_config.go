package pki

import (
	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/pkievent"
)

func (b *Backend) configPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern: "config/urls",
		Fields: map[string]*framework.FieldSchema{
			"issuing_certificates":          {Type: framework.TypeCommaStringSlice, Description: "AIA issuing certificate URLs."},
			"crl_distribution_points":       {Type: framework.TypeCommaStringSlice, Description: "CRL distribution points."},
			"delta_crl_distribution_points": {Type: framework.TypeCommaStringSlice, Description: "Delta CRL distribution points."},
			"ocsp_servers":                  {Type: framework.TypeCommaStringSlice, Description: "OCSP server URLs."},
			"enable_templating":             {Type: framework.TypeBool, Description: "Expand {{issuer_id}} and cluster placeholders."},
		},
		Synopsis: "The URLs written into issued certificates.",
		Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation:   b.readURLs,
			framework.UpdateOperation: b.writeURLs,
		},
	}}
}

func urlsData(u pkievent.URLs) map[string]any {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return map[string]any{
		"issuing_certificates": nonNil(u.IssuingCertificates), "crl_distribution_points": nonNil(u.CRLDistributionPoints),
		"delta_crl_distribution_points": nonNil(u.DeltaCRLDistributionPoints), "ocsp_servers": nonNil(u.OCSPServers),
		"enable_templating": u.EnableTemplating,
	}
}

func (b *Backend) readURLs(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: urlsData(m.Config.URLs)}, nil
}

func (b *Backend) writeURLs(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	u := toCertsURLs(m.Config.URLs)
	list := func(name string, dst *[]string) {
		if v, ok := req.GetOk(name); ok {
			*dst = v.([]string)
		}
	}
	list("issuing_certificates", &u.IssuingCertificates)
	list("crl_distribution_points", &u.CRLDistributionPoints)
	list("delta_crl_distribution_points", &u.DeltaCRLDistributionPoints)
	list("ocsp_servers", &u.OCSPServers)
	if v, ok := req.GetOk("enable_templating"); ok {
		u.EnableTemplating = v.(bool)
	}
	if err := u.Validate(); err != nil {
		return nil, refusal(err)
	}
	ev := fromCertsURLs(u)
	err = b.runner.RunMount(req.Context(), func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideURLs(st, ev) })
	b.invalidate(req.Context(), pkievent.KindMount, b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: urlsData(ev)}, nil
}
