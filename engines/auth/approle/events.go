package approle

import "github.com/cofferhq/coffer/events/approleevent"

// The secret ID events and their fold are the event schema's
// (events/approleevent); these names keep the decisions readable.
type (
	// Event changes a secret ID's state.
	Event = approleevent.Event
	// SecretIDIssued records a new secret ID.
	SecretIDIssued = approleevent.SecretIDIssued
	// SecretIDUsed records one use of a limited secret ID.
	SecretIDUsed = approleevent.SecretIDUsed
	// SecretIDDestroyed records a secret ID removed.
	SecretIDDestroyed = approleevent.SecretIDDestroyed
)

// Reasons a secret ID is destroyed.
const (
	ReasonDestroyed = approleevent.ReasonDestroyed
	ReasonTidied    = approleevent.ReasonTidied
	ReasonRole      = approleevent.ReasonRole
)

// Apply folds an event into a secret ID's state (approleevent.Apply).
func Apply(s *SecretID, e Event) *SecretID { return approleevent.Apply(s, e) }
