package auditevent

import "github.com/cofferhq/coffer/ledger"

// Schema is the payload layout version every audit event type is written
// with.
const Schema = 1

func init() {
	for typ, payload := range map[string]any{
		EventRequest:  Record{},
		EventResponse: Record{},
		EventEnabled:  Device{},
		EventDisabled: Disabled{},
	} {
		ledger.RegisterEventType(typ, Schema, payload)
	}
	// Request and response records may age out (audit_retention); the
	// device events are state and stay.
	ledger.RegisterAuditRecordType(EventRequest)
	ledger.RegisterAuditRecordType(EventResponse)
}
