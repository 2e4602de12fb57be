package template

import (
	vault "github.com/hashicorp/vault/api"
)

// Source answers a template's secret functions. Get returns the secret
// for dep, fetching it if it has not been fetched yet; it is called while
// a template executes.
type Source interface {
	Get(dep Dep) (*vault.Secret, error)
}

// Certificate is what pkiCert gives a template: the PEM blocks, at the top level
// and under .Data, as consul-template's versions expose them.
type Certificate struct {
	Cert    string
	Key     string
	CA      string
	CAChain []string
	Data    PKIData
}

// PKIData repeats the certificate's fields for `.Data.Cert` templates.
type PKIData struct {
	Cert    string
	Key     string
	CA      string
	CAChain []string
}

// PKIOf turns an issue response into a Certificate.
func PKIOf(s *vault.Secret) *Certificate {
	if s == nil || s.Data == nil {
		return &Certificate{}
	}
	str := func(k string) string { v, _ := s.Data[k].(string); return v }
	var chain []string
	if l, ok := s.Data["ca_chain"].([]any); ok {
		for _, c := range l {
			if cs, ok := c.(string); ok {
				chain = append(chain, cs)
			}
		}
	}
	d := PKIData{Cert: str("certificate"), Key: str("private_key"), CA: str("issuing_ca"), CAChain: chain}
	return &Certificate{Cert: d.Cert, Key: d.Key, CA: d.CA, CAChain: d.CAChain, Data: d}
}
