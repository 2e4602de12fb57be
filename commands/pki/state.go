package pki

import (
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
)

// MountState is what a decision about a mount's CA material reads.
type MountState struct {
	Mount string
	M     *pkievent.Mount
	// Version is the mount aggregate's version the decision is based on.
	Version uint64
	Now     time.Time
}

func (st MountState) sequence(events ...ledger.Event) []ledger.Event {
	return commands.Sequence(pkievent.KindMount, st.Mount, st.Version, events...)
}

// RoleState is one role's aggregate.
type RoleState struct {
	Mount, Name string
	Exists      bool
	Version     uint64
}

// CertState is one certificate's aggregate.
type CertState struct {
	Mount, Serial string
	// Cert is nil when the serial was never recorded (or was tidied).
	Cert    *pkievent.Cert
	Version uint64
}

func (st CertState) sequence(events ...ledger.Event) []ledger.Event {
	return commands.Sequence(pkievent.KindCert, pkievent.CertID(st.Mount, st.Serial), st.Version, events...)
}
