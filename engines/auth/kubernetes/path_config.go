package kubernetes

import (
	"errors"

	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/authstore"
)

var configFields = map[string]*framework.FieldSchema{
	"kubernetes_host":                   {Type: framework.TypeString, Description: "Host must be a host string, a host:port pair, or a URL to the base of the Kubernetes API server."},
	"kubernetes_ca_cert":                {Type: framework.TypeString, Description: "PEM encoded CA cert for use by the TLS client used to talk with the API."},
	"token_reviewer_jwt":                {Type: framework.TypeString, Description: "A service account JWT (or other token) used as a bearer token to access the TokenReview API to validate other JWTs during login. If not set the JWT used for login will be used to access the API."},
	"pem_keys":                          {Type: framework.TypeCommaStringSlice, Description: "Optional list of PEM-formated public keys or certificates used to verify the signatures of kubernetes service account JWTs."},
	"issuer":                            {Type: framework.TypeString, Description: "Optional JWT issuer."},
	"disable_iss_validation":            {Type: framework.TypeBool, Default: true, Description: "Disable JWT issuer validation."},
	"disable_local_ca_jwt":              {Type: framework.TypeBool, Description: "Disable defaulting to the local CA cert and service account JWT when running in a Kubernetes pod."},
	"use_annotations_as_alias_metadata": {Type: framework.TypeBool, Description: "Use annotations from the client token's associated service account as alias metadata for the Vault entity."},
}

func (b *backend) configPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern:  "config",
		Fields:   configFields,
		Synopsis: "Configures the JWT Public Key and Kubernetes API information.",
		Operations: authpath.Ops{
			framework.UpdateOperation: authpath.Wrap(b.writeConfig),
			framework.CreateOperation: authpath.Wrap(b.writeConfig),
			framework.ReadOperation:   authpath.Wrap(b.readConfig),
		},
	}}
}

func (b *backend) writeConfig(req *framework.Request) (*framework.Response, error) {
	c, err := ParseConfig(authpath.Fields(req))
	if err != nil {
		return nil, err
	}
	return nil, b.runner.WriteConfig(req.Context(), c.Config)
}

// config loads the mount's config, prepared for logins; nil when none.
func (b *backend) config() (*Config, uint64, error) {
	bar, err := b.barrier()
	if err != nil {
		return nil, 0, err
	}
	stored, v, err := authstore.GetKubernetesConfig(b.m.deps.Store, bar, b.mount)
	if errors.Is(err, authstore.ErrNotFound) {
		return nil, v, nil
	}
	if err != nil {
		return nil, v, err
	}
	c := &Config{Config: *stored}
	if err := c.Prepare(); err != nil {
		return nil, v, err
	}
	return c, v, nil
}

func (b *backend) readConfig(*framework.Request) (*framework.Response, error) {
	c, _, err := b.config()
	if err != nil || c == nil {
		return nil, err
	}
	return &framework.Response{Data: c.Data()}, nil
}
