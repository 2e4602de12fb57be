package pkievent

// ACME events. ACME objects (accounts, orders, authorizations, issued
// chains) are each their own aggregate (KindACME, ACMEID); config/acme
// and config/cluster belong to the mount aggregate.
const (
	EventACMEObjectPut     = "pki.acme_object_put"
	EventACMEConfigured    = "pki.acme_configured"
	EventClusterConfigured = "pki.cluster_configured"
)

// KindACME is the aggregate kind of an ACME object.
const KindACME = "pki-acme"

// ACMEID names one ACME object of one mount.
func ACMEID(mount, kind, id string) string { return mount + "/" + kind + "/" + id }

// ACMEObjectPut records an ACME object's new state: Kind is account,
// order, authz or cert; Object its JSON (engines/pki/acme's types; a
// cert is the PEM chain). An account carries its key's thumbprint so
// new-account finds it again.
type ACMEObjectPut struct {
	Mount      string `json:"mount"`
	Kind       string `json:"kind"`
	ID         string `json:"id"`
	Thumbprint string `json:"thumbprint,omitzero"`
	Object     []byte `json:"object"`
}

// ACMEConfig is config/acme.
type ACMEConfig struct {
	Enabled                bool   `json:"enabled"`
	DefaultDirectoryPolicy string `json:"default_directory_policy"`
	// AllowedRoles and AllowedIssuers bound the role and issuer
	// directories (roles/:role/acme, issuer/:ref/acme); empty means
	// Vault's default, "*".
	AllowedRoles   []string `json:"allowed_roles,omitzero"`
	AllowedIssuers []string `json:"allowed_issuers,omitzero"`
}

// ACMEConfigured records config/acme.
type ACMEConfigured struct {
	Mount  string     `json:"mount"`
	Config ACMEConfig `json:"config"`
}

// ClusterConfigured records config/cluster: the mount's URL as clients
// reach it (path) and its AIA base (aia_path).
type ClusterConfigured struct {
	Mount   string `json:"mount"`
	Path    string `json:"path"`
	AIAPath string `json:"aia_path,omitzero"`
}

func init() {
	for typ, payload := range map[string]any{
		EventACMEObjectPut:     ACMEObjectPut{},
		EventACMEConfigured:    ACMEConfigured{},
		EventClusterConfigured: ClusterConfigured{},
	} {
		registerType(typ, payload)
	}
}
