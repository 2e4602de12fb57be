package pki

import (
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
)

// NewCA is the outcome of a CA path (root/generate, set-signed, an
// import, root/rotate, cross-sign): an optional new key and the issuers
// to add.
type NewCA struct {
	Key     *pkievent.KeyCreated
	Issuers []pkievent.Issuer
	// SetDefault makes the first issuer the default even when one exists
	// (root/replace style generation with default set).
	SetDefault bool
}

// DecideNewCA records a new key and issuers. The first issuer with a key
// becomes the default issuer when the mount has none, and the new key the
// default key, as Vault does.
func DecideNewCA(st MountState, c NewCA) ([]ledger.Event, error) {
	m := st.M.Clone()
	var events []ledger.Event
	if c.Key != nil {
		if err := checkKeyName(m, c.Key.Key.ID, c.Key.Key.Name); err != nil {
			return nil, err
		}
		if len(c.Key.Sealed) == 0 || c.Key.Key.DataKey == "" {
			return nil, Invalid("key %s has no sealed material", c.Key.Key.ID)
		}
		k := c.Key.Key
		m.Keys[k.ID] = &k
		events = append(events, ledger.MakeEvent(pkievent.EventKeyCreated, *c.Key))
	}
	defIssuer, defKey := m.Config.DefaultIssuer, m.Config.DefaultKey
	for _, is := range c.Issuers {
		if _, dup := m.Issuers[is.ID]; dup {
			return nil, Invalid("issuer id %s already in use", is.ID)
		}
		if err := checkIssuerName(m, is.ID, is.Name); err != nil {
			return nil, err
		}
		if is.KeyID != "" {
			if _, ok := m.Keys[is.KeyID]; !ok {
				return nil, notFound("key %s not found", is.KeyID)
			}
			if defIssuer == "" || c.SetDefault {
				defIssuer, c.SetDefault = is.ID, false
			}
		}
		cp := is
		m.Issuers[is.ID] = &cp
		events = append(events, ledger.MakeEvent(pkievent.EventIssuerCreated, pkievent.IssuerCreated{Mount: st.Mount, Issuer: is}))
	}
	if c.Key != nil && defKey == "" {
		defKey = c.Key.Key.ID
	}
	if defIssuer != m.Config.DefaultIssuer || defKey != m.Config.DefaultKey {
		events = append(events, ledger.MakeEvent(pkievent.EventDefaultsSet, pkievent.DefaultsSet{Mount: st.Mount, DefaultIssuer: defIssuer, DefaultKey: defKey}))
	}
	if len(events) == 0 {
		return nil, nil
	}
	return st.sequence(events...), nil
}

// reservedNames are refs that cannot name an issuer or key.
func reservedName(name string) bool { return name == "default" }

func checkIssuerName(m *pkievent.Mount, id, name string) error {
	if name == "" {
		return nil
	}
	if reservedName(name) {
		return Invalid("reserved name %q cannot be used as issuer name", name)
	}
	for oid, is := range m.Issuers {
		if oid != id && is.Name == name {
			return Invalid("issuer name already in use")
		}
	}
	return nil
}

func checkKeyName(m *pkievent.Mount, id, name string) error {
	if name == "" {
		return nil
	}
	if reservedName(name) {
		return Invalid("reserved name %q cannot be used as key name", name)
	}
	for oid, k := range m.Keys {
		if oid != id && k.Name == name {
			return Invalid("key name already in use")
		}
	}
	return nil
}

// LeafNotAfterBehaviors are the values of leaf_not_after_behavior.
var LeafNotAfterBehaviors = []string{"err", "truncate", "permit"}

// DecideUpdateIssuer records an issuer's new settings.
func DecideUpdateIssuer(st MountState, is pkievent.Issuer) ([]ledger.Event, error) {
	old, ok := st.M.Issuers[is.ID]
	if !ok {
		return nil, notFound("issuer %s not found", is.ID)
	}
	if err := checkIssuerName(st.M, is.ID, is.Name); err != nil {
		return nil, err
	}
	if !slices.Contains(LeafNotAfterBehaviors, is.LeafNotAfterBehavior) {
		return nil, Invalid("invalid value for leaf_not_after_behavior: %q", is.LeafNotAfterBehavior)
	}
	for _, u := range strings.Split(is.Usage, ",") {
		if !slices.Contains(IssuerUsages, strings.TrimSpace(u)) {
			return nil, Invalid("unknown usage: %s", u)
		}
	}
	// The certificate, key and chain are not settings.
	is.Certificate, is.KeyID, is.CAChain, is.Serial, is.Subject, is.NotAfter = old.Certificate, old.KeyID, old.CAChain, old.Serial, old.Subject, old.NotAfter
	if is.Name == old.Name && is.LeafNotAfterBehavior == old.LeafNotAfterBehavior && is.Usage == old.Usage {
		return nil, nil
	}
	return st.sequence(ledger.MakeEvent(pkievent.EventIssuerUpdated, pkievent.IssuerUpdated{Mount: st.Mount, Issuer: is})), nil
}

// IssuerUsages are Vault's issuer usages.
var IssuerUsages = []string{"read-only", "issuing-certificates", "crl-signing", "ocsp-signing"}

// DefaultIssuerUsage is what a new issuer may do.
const DefaultIssuerUsage = "read-only,issuing-certificates,crl-signing,ocsp-signing"

// DecideDeleteIssuer forgets an issuer (its key stays).
func DecideDeleteIssuer(st MountState, id string) ([]ledger.Event, error) {
	if _, ok := st.M.Issuers[id]; !ok {
		return nil, nil
	}
	return st.sequence(ledger.MakeEvent(pkievent.EventIssuerDeleted, pkievent.IssuerDeleted{Mount: st.Mount, IssuerID: id})), nil
}

// DecideDefaults records config/issuers and config/keys; an empty id
// keeps the current value.
func DecideDefaults(st MountState, issuerID, keyID string) ([]ledger.Event, error) {
	c := st.M.Config
	if issuerID != "" {
		if _, ok := st.M.Issuers[issuerID]; !ok {
			return nil, notFound("issuer %s not found", issuerID)
		}
		c.DefaultIssuer = issuerID
	}
	if keyID != "" {
		if _, ok := st.M.Keys[keyID]; !ok {
			return nil, notFound("key %s not found", keyID)
		}
		c.DefaultKey = keyID
	}
	if c.DefaultIssuer == st.M.Config.DefaultIssuer && c.DefaultKey == st.M.Config.DefaultKey {
		return nil, nil
	}
	return st.sequence(ledger.MakeEvent(pkievent.EventDefaultsSet, pkievent.DefaultsSet{Mount: st.Mount, DefaultIssuer: c.DefaultIssuer, DefaultKey: c.DefaultKey})), nil
}

// DecideUpdateKey renames a key.
func DecideUpdateKey(st MountState, id, name string) ([]ledger.Event, error) {
	k, ok := st.M.Keys[id]
	if !ok {
		return nil, notFound("key %s not found", id)
	}
	if err := checkKeyName(st.M, id, name); err != nil {
		return nil, err
	}
	if k.Name == name {
		return nil, nil
	}
	return st.sequence(ledger.MakeEvent(pkievent.EventKeyUpdated, pkievent.KeyUpdated{Mount: st.Mount, KeyID: id, Name: name})), nil
}

// KeyDeletable refuses to delete a key an issuer still uses, as Vault.
func KeyDeletable(m *pkievent.Mount, id string) error {
	for _, is := range m.Issuers {
		if is.KeyID == id {
			return Invalid("unable to delete key: key %s is in use by issuer %s", id, is.ID)
		}
	}
	return nil
}

// DecideDeleteKey records a key's deletion after its data key (erased)
// was destroyed.
func DecideDeleteKey(st MountState, id, erased string) ([]ledger.Event, error) {
	k, ok := st.M.Keys[id]
	if !ok {
		return nil, nil
	}
	if err := KeyDeletable(st.M, id); err != nil {
		return nil, err
	}
	if k.DataKey != erased {
		return nil, Invalid("key %s changed while it was deleted", id)
	}
	return st.sequence(ledger.MakeEvent(pkievent.EventKeyDeleted, pkievent.KeyDeleted{Mount: st.Mount, KeyID: id, DataKey: erased})), nil
}

// DecideURLs records config/urls.
func DecideURLs(st MountState, u pkievent.URLs) ([]ledger.Event, error) {
	return st.sequence(ledger.MakeEvent(pkievent.EventURLsConfigured, pkievent.URLsConfigured{Mount: st.Mount, URLs: u})), nil
}

// DecideCRLConfig records config/crl. Turning auto_rebuild on or off
// also rotates the CRL: the complete CRL of an auto-rebuilding mount is
// the one of its last rotation, so switching needs a fresh one.
func DecideCRLConfig(st MountState, c pkievent.CRLConfig) ([]ledger.Event, error) {
	events := []ledger.Event{ledger.MakeEvent(pkievent.EventCRLConfigured, pkievent.CRLConfigured{Mount: st.Mount, Config: c})}
	wasAuto := st.M != nil && st.M.Config.CRL != nil && st.M.Config.CRL.AutoRebuild
	if wasAuto != c.AutoRebuild {
		events = append(events, ledger.MakeEvent(pkievent.EventCRLRotated, pkievent.CRLRotated{Mount: st.Mount, At: st.Now}))
	}
	return st.sequence(events...), nil
}

// DecideCRLRotate records a crl/rotate.
func DecideCRLRotate(st MountState, at time.Time) ([]ledger.Event, error) {
	return st.sequence(ledger.MakeEvent(pkievent.EventCRLRotated, pkievent.CRLRotated{Mount: st.Mount, At: at})), nil
}
