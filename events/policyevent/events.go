package policyevent

import "github.com/cofferhq/coffer/ledger"

// Event types and aggregate kind of policies.
const (
	EventWritten = "policy.written"
	EventDeleted = "policy.deleted"

	// Kind is the aggregate kind; the id is the policy name.
	Kind = "policy"

	// Schema is the payload layout version of every policy event.
	Schema = 1
)

// Written is the payload of policy.written.
type Written struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// Deleted is the payload of policy.deleted.
type Deleted struct {
	Name string `json:"name"`
}

func init() {
	ledger.RegisterEventType(EventWritten, Schema, Written{})
	ledger.RegisterEventType(EventDeleted, Schema, Deleted{})
}
