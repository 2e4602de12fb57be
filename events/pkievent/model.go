package pkievent

import (
	"maps"
	"time"
)

// KeyAAD binds a sealed private key to its mount, key id and data key, so
// a sealed blob cannot be replayed as another key.
func KeyAAD(mount, keyID, dataKey string) []byte {
	return []byte("coffer-pki-key\x00" + mount + "\x00" + keyID + "\x00" + dataKey)
}

// Key is a key pair's public record.
type Key struct {
	ID   string `json:"key_id"`
	Name string `json:"key_name,omitzero"`
	// Type is rsa, ec or ed25519; Bits its size (0 for ed25519).
	Type string `json:"key_type"`
	Bits int    `json:"key_bits,omitzero"`
	// PublicKey is the PEM SubjectPublicKeyInfo.
	PublicKey string `json:"public_key"`
	DataKey   string `json:"data_key"`
	// Imported marks a key that came in a bundle rather than generated.
	Imported bool `json:"imported,omitzero"`
}

// Issuer is a CA certificate the mount signs with (when it has a key).
type Issuer struct {
	ID   string `json:"issuer_id"`
	Name string `json:"issuer_name,omitzero"`
	// KeyID is the key of this certificate, empty when the mount holds
	// only the certificate (an imported parent).
	KeyID       string `json:"key_id,omitzero"`
	Certificate string `json:"certificate"`
	// CAChain is the issuer's parents, PEM, nearest first.
	CAChain              []string `json:"ca_chain,omitzero"`
	LeafNotAfterBehavior string   `json:"leaf_not_after_behavior"`
	// Usage is Vault's comma-separated usage list.
	Usage   string `json:"usage"`
	Serial  string `json:"serial_number"`
	Subject string `json:"subject,omitzero"`
	// NotAfter is the CA certificate's expiry.
	NotAfter time.Time `json:"not_after"`
}

// URLs is config/urls (certs.URLs' layout).
type URLs struct {
	IssuingCertificates        []string `json:"issuing_certificates,omitzero"`
	CRLDistributionPoints      []string `json:"crl_distribution_points,omitzero"`
	DeltaCRLDistributionPoints []string `json:"delta_crl_distribution_points,omitzero"`
	OCSPServers                []string `json:"ocsp_servers,omitzero"`
	EnableTemplating           bool     `json:"enable_templating,omitzero"`
}

// CRLConfig is config/crl (revocation.Config's layout: durations keep
// the text the operator wrote, as Vault echoes it back).
type CRLConfig struct {
	Expiry                 string `json:"expiry"`
	Disable                bool   `json:"disable,omitzero"`
	OCSPDisable            bool   `json:"ocsp_disable,omitzero"`
	OCSPExpiry             string `json:"ocsp_expiry,omitzero"`
	AutoRebuild            bool   `json:"auto_rebuild,omitzero"`
	AutoRebuildGracePeriod string `json:"auto_rebuild_grace_period,omitzero"`
	EnableDelta            bool   `json:"enable_delta,omitzero"`
	DeltaRebuildInterval   string `json:"delta_rebuild_interval,omitzero"`
}

// Config is the mount-wide configuration the mount aggregate holds.
type Config struct {
	DefaultIssuer string     `json:"default_issuer,omitzero"`
	DefaultKey    string     `json:"default_key,omitzero"`
	URLs          URLs       `json:"urls"`
	CRL           *CRLConfig `json:"crl,omitzero"`
	// CRLNumber counts revocations and crl/rotate calls: every CRL the
	// mount builds is numbered by it, so every node numbers alike.
	CRLNumber int64 `json:"crl_number,omitzero"`
	// CRLBase and CRLBaseAt are the counter and time of the last CRL
	// rotation (read model only): under auto_rebuild the complete CRL is
	// the one of that moment, and delta CRLs list what was revoked since.
	CRLBase   int64     `json:"crl_base,omitzero"`
	CRLBaseAt time.Time `json:"crl_base_at,omitzero"`
	// AutoTidy is config/auto-tidy; LastAutoTidy the end of the last
	// automatic run (read model only).
	AutoTidy     *AutoTidyConfig `json:"auto_tidy,omitzero"`
	LastAutoTidy time.Time       `json:"last_auto_tidy,omitzero"`
	// ACME is config/acme; ClusterPath and AIAPath are config/cluster.
	ACME        *ACMEConfig `json:"acme,omitzero"`
	ClusterPath string      `json:"cluster_path,omitzero"`
	AIAPath     string      `json:"aia_path,omitzero"`
}

// Mount is the whole mount aggregate: config, keys and issuers.
type Mount struct {
	Config  Config             `json:"config"`
	Keys    map[string]*Key    `json:"keys"`
	Issuers map[string]*Issuer `json:"issuers"`
}

// Clone returns a copy whose maps can be changed freely.
func (m *Mount) Clone() *Mount {
	c := &Mount{Config: m.Config, Keys: maps.Clone(m.Keys), Issuers: maps.Clone(m.Issuers)}
	if c.Keys == nil {
		c.Keys = map[string]*Key{}
	}
	if c.Issuers == nil {
		c.Issuers = map[string]*Issuer{}
	}
	return c
}

// Cert is one certificate's record.
type Cert struct {
	Serial   string `json:"serial_number"`
	IssuerID string `json:"issuer_id"`
	Role     string `json:"role,omitzero"`
	// CommonName and the names are recorded even with no_store.
	CommonName string    `json:"common_name,omitzero"`
	DNSNames   []string  `json:"dns_names,omitzero"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	// Certificate is the PEM certificate, empty with no_store.
	Certificate string `json:"certificate,omitzero"`
	NoStore     bool   `json:"no_store,omitzero"`
	// RevokedAt is set by revocation (read model only).
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}
