package config

import (
	"net/url"

	"github.com/hashicorp/hcl/hcl/ast"
	"github.com/hashicorp/hcl/hcl/token"
)

var posNone = token.Pos{}

var vaultRules = rules{
	known: []string{"address", "ca_cert", "ca_path", "client_cert", "client_key", "tls_skip_verify", "tls_server_name", "retry"},
	accepted: map[string]string{
		"namespace": "Coffer has no namespaces",
	},
}

// vault reads vault {} or its synonym coffer {}.
func (d *decoder) vault(root *ast.ObjectList, cfg *Config) {
	cfg.Vault.NumRetries = DefaultNumRetries
	list, pos, ok := d.single(root, "vault")
	if other, opos, ook := d.single(root, "coffer"); ook {
		if ok {
			d.errorf(opos, "coffer {} and vault {} are synonyms; use one (vault {} is at %s)", d.where(pos))
		}
		list, ok = other, true
	}
	if !ok {
		return
	}
	d.check(list, "vault", vaultRules)
	v := &cfg.Vault
	if d.str(list, "address", "vault", &v.Address) {
		if u, err := url.Parse(v.Address); err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "unix") || (u.Host == "" && u.Scheme != "unix") {
			d.errorf(d.attr(list, "address").Val.Pos(), "vault.address %q must be an http:// or https:// URL", v.Address)
		}
	}
	d.str(list, "ca_cert", "vault", &v.CACert)
	d.str(list, "ca_path", "vault", &v.CAPath)
	d.str(list, "client_cert", "vault", &v.ClientCert)
	d.str(list, "client_key", "vault", &v.ClientKey)
	d.boolean(list, "tls_skip_verify", "vault", &v.TLSSkipVerify)
	d.str(list, "tls_server_name", "vault", &v.TLSServerName)
	if retry, _, ok := d.single(list, "retry"); ok {
		d.check(retry, "vault.retry", rules{known: []string{"num_retries"}})
		d.integer(retry, "num_retries", "vault.retry", &v.NumRetries)
	}
}
