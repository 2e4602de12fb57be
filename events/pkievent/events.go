package pkievent

import (
	"time"

	"github.com/cofferhq/coffer/ledger"
)

// Event types. Keys, issuers and config belong to KindMount, roles to
// KindRole, certificates to KindCert.
const (
	EventKeyCreated     = "pki.key_created"
	EventKeyUpdated     = "pki.key_updated"
	EventKeyDeleted     = "pki.key_deleted"
	EventIssuerCreated  = "pki.issuer_created"
	EventIssuerUpdated  = "pki.issuer_updated"
	EventIssuerDeleted  = "pki.issuer_deleted"
	EventDefaultsSet    = "pki.defaults_set"
	EventURLsConfigured = "pki.urls_configured"
	EventCRLConfigured  = "pki.crl_configured"
	EventCRLRotated     = "pki.crl_rotated"
	EventRoleWritten    = "pki.role_written"
	EventRoleDeleted    = "pki.role_deleted"
	EventCertIssued     = "pki.cert_issued"
	EventCertRevoked    = "pki.cert_revoked"
	EventCertTidied     = "pki.cert_tidied"
)

// Schema is the payload layout version every PKI event type is written
// with.
const Schema = 1

// Aggregate kinds.
const (
	KindMount = "pki"
	KindRole  = "pki-role"
	KindCert  = "pki-cert"
)

// RoleID names one role of one mount.
func RoleID(mount, name string) string { return mount + "/" + name }

// CertID names one certificate of one mount by its serial (colon hex).
func CertID(mount, serial string) string { return mount + "/" + serial }

// KeyCreated records a key pair generated or imported into the mount.
type KeyCreated struct {
	Mount string `json:"mount"`
	Key   Key    `json:"key"`
	// Sealed is the private key (PKCS#8 DER) sealed with ledger.SealWith
	// under Key.DataKey, bound by KeyAAD.
	Sealed []byte `json:"sealed"`
}

// KeyUpdated renames a key.
type KeyUpdated struct {
	Mount string `json:"mount"`
	KeyID string `json:"key_id"`
	Name  string `json:"name"`
}

// KeyDeleted records that a key is gone; its data key was destroyed first.
type KeyDeleted struct {
	Mount   string `json:"mount"`
	KeyID   string `json:"key_id"`
	DataKey string `json:"data_key"`
}

// IssuerCreated records a CA certificate the mount now holds: a generated
// root, a signed intermediate imported with set-signed, or an imported CA.
type IssuerCreated struct {
	Mount  string `json:"mount"`
	Issuer Issuer `json:"issuer"`
}

// IssuerUpdated records an issuer's settings after issuer/:ref is written.
type IssuerUpdated struct {
	Mount  string `json:"mount"`
	Issuer Issuer `json:"issuer"`
}

// IssuerDeleted records that an issuer is gone (its key stays).
type IssuerDeleted struct {
	Mount    string `json:"mount"`
	IssuerID string `json:"issuer_id"`
}

// DefaultsSet records config/issuers and config/keys: the issuer and key
// "default" refers to.
type DefaultsSet struct {
	Mount         string `json:"mount"`
	DefaultIssuer string `json:"default_issuer"`
	DefaultKey    string `json:"default_key"`
}

// URLsConfigured records config/urls.
type URLsConfigured struct {
	Mount string `json:"mount"`
	URLs  URLs   `json:"urls"`
}

// CRLConfigured records config/crl.
type CRLConfigured struct {
	Mount  string    `json:"mount"`
	Config CRLConfig `json:"config"`
}

// CRLRotated records a crl/rotate: every CRL of the mount is rebuilt with
// the next CRL number.
type CRLRotated struct {
	Mount string    `json:"mount"`
	At    time.Time `json:"at"`
}

// RoleWritten records a role as written: Role is the role's normalised
// fields in the JSON layout of engines/pki/policy.Role (Vault's field
// names).
type RoleWritten struct {
	Mount string `json:"mount"`
	Name  string `json:"name"`
	Role  []byte `json:"role"`
}

// RoleDeleted records that a role is gone.
type RoleDeleted struct {
	Mount string `json:"mount"`
	Name  string `json:"name"`
}

// CertIssued records one issuance: issue, sign, sign-verbatim and the CA
// paths' own certificates. With no_store the certificate itself is left
// out, but serial, names and expiry are recorded, so the ledger still
// answers which certificates a role issued.
type CertIssued struct {
	Mount string `json:"mount"`
	Cert  Cert   `json:"cert"`
}

// CertRevoked records a revocation.
type CertRevoked struct {
	Mount     string    `json:"mount"`
	Serial    string    `json:"serial"`
	IssuerID  string    `json:"issuer_id"`
	RevokedAt time.Time `json:"revoked_at"`
	// Lease is set when the revocation came from the certificate's lease
	// (generate_lease).
	Lease string `json:"lease,omitzero"`
}

// CertTidied records that tidy removed an expired certificate (and its
// revocation entry) from the mount's store.
type CertTidied struct {
	Mount  string `json:"mount"`
	Serial string `json:"serial"`
}

func init() {
	for typ, payload := range map[string]any{
		EventKeyCreated:     KeyCreated{},
		EventKeyUpdated:     KeyUpdated{},
		EventKeyDeleted:     KeyDeleted{},
		EventIssuerCreated:  IssuerCreated{},
		EventIssuerUpdated:  IssuerUpdated{},
		EventIssuerDeleted:  IssuerDeleted{},
		EventDefaultsSet:    DefaultsSet{},
		EventURLsConfigured: URLsConfigured{},
		EventCRLConfigured:  CRLConfigured{},
		EventCRLRotated:     CRLRotated{},
		EventRoleWritten:    RoleWritten{},
		EventRoleDeleted:    RoleDeleted{},
		EventCertIssued:     CertIssued{},
		EventCertRevoked:    CertRevoked{},
		EventCertTidied:     CertTidied{},
	} {
		registerType(typ, payload)
	}
}

func registerType(typ string, payload any) { ledger.RegisterEventType(typ, Schema, payload) }
