package pki

import (
	"encoding/json"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
)

// PKI events as subscribers see them: pki/issue, pki/revoke and the CA
// changes. Sealed keys travel in the ledger payloads; the narrow payload
// read here never reads them.
var eventMap = framework.EventMap{
	Types: []string{pkievent.EventCertIssued, pkievent.EventCertRevoked, pkievent.EventIssuerCreated,
		pkievent.EventIssuerUpdated, pkievent.EventIssuerDeleted, pkievent.EventKeyCreated, pkievent.EventKeyDeleted,
		pkievent.EventRoleWritten, pkievent.EventRoleDeleted, pkievent.EventCRLRotated},
	Map: mapEvent,
}

func mapEvent(ec framework.EventContext, rec *ledger.Record) (framework.PublicEvent, bool) {
	var e struct {
		Mount  string `json:"mount"`
		Name   string `json:"name"`
		Serial string `json:"serial"`
		KeyID  string `json:"key_id"`
		Cert   struct {
			Serial   string `json:"serial_number"`
			IssuerID string `json:"issuer_id"`
			Role     string `json:"role"`
			NotAfter string `json:"not_after"`
		} `json:"cert"`
		Issuer struct {
			ID string `json:"issuer_id"`
		} `json:"issuer"`
		IssuerID string `json:"issuer_id"`
		Key      struct {
			ID string `json:"key_id"`
		} `json:"key"`
	}
	if json.Unmarshal(rec.Data, &e) != nil {
		return framework.PublicEvent{}, false
	}
	mi, ok := ec.MountByAccessor(e.Mount)
	if !ok {
		mi = framework.MountRef{Accessor: e.Mount, Type: "pki"}
	}
	d := framework.PublicEvent{Mount: mi, Metadata: map[string]string{}}
	set := func(typ, path string) {
		d.Type, d.Path, d.DataPath = typ, mi.Path+path, mi.Path+path
	}
	switch rec.Type {
	case pkievent.EventCertIssued:
		set("pki/issue", "cert/"+e.Cert.Serial)
		d.Metadata["serial_number"], d.Metadata["issuer_id"], d.Metadata["role"], d.Metadata["not_after"] = e.Cert.Serial, e.Cert.IssuerID, e.Cert.Role, e.Cert.NotAfter
	case pkievent.EventCertRevoked:
		set("pki/revoke", "cert/"+e.Serial)
		d.Metadata["serial_number"], d.Metadata["issuer_id"] = e.Serial, e.IssuerID
	case pkievent.EventIssuerCreated, pkievent.EventIssuerUpdated:
		set("pki/issuer-write", "issuer/"+e.Issuer.ID)
		d.Metadata["issuer_id"] = e.Issuer.ID
	case pkievent.EventIssuerDeleted:
		set("pki/issuer-delete", "issuer/"+e.IssuerID)
		d.Metadata["issuer_id"] = e.IssuerID
	case pkievent.EventKeyCreated:
		set("pki/key-write", "key/"+e.Key.ID)
		d.Metadata["key_id"] = e.Key.ID
	case pkievent.EventKeyDeleted:
		set("pki/key-delete", "key/"+e.KeyID)
		d.Metadata["key_id"] = e.KeyID
	case pkievent.EventRoleWritten:
		set("pki/role-write", "roles/"+e.Name)
		d.Metadata["name"] = e.Name
	case pkievent.EventRoleDeleted:
		set("pki/role-delete", "roles/"+e.Name)
		d.Metadata["name"] = e.Name
	case pkievent.EventCRLRotated:
		set("pki/crl-rotate", "crl/rotate")
	}
	return d, true
}
