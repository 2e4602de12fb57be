package acl

import (
	"fmt"
	"strings"
)

// Capability is a bitmask of the capabilities a path rule grants.
type Capability uint16

// Capability bits. DenyCap overrides every other bit: a rule whose mask
// contains DenyCap grants nothing.
const (
	DenyCap Capability = 1 << iota
	CreateCap
	ReadCap
	UpdateCap
	PatchCap
	DeleteCap
	ListCap
	SudoCap
	SubscribeCap
	// RecoverCap (Vault 1.20's snapshot recovery) and ScanCap (OpenBao's
	// recursive list) are accepted so that policies written for them
	// parse; no Coffer operation needs either, so they grant nothing.
	RecoverCap
	ScanCap
)

// capabilityNames lists every capability in bit order.
var capabilityNames = [...]struct {
	cap  Capability
	name string
}{
	{DenyCap, "deny"},
	{CreateCap, "create"},
	{ReadCap, "read"},
	{UpdateCap, "update"},
	{PatchCap, "patch"},
	{DeleteCap, "delete"},
	{ListCap, "list"},
	{SudoCap, "sudo"},
	{SubscribeCap, "subscribe"},
	{RecoverCap, "recover"},
	{ScanCap, "scan"},
}

// RootCapability is the single capability name reported for a root ACL.
const RootCapability = "root"

// ParseCapability maps a capability name as written in a policy
// ("read", "deny", ...) to its bit. Names are case-sensitive, as in Vault.
func ParseCapability(name string) (Capability, error) {
	for _, c := range capabilityNames {
		if c.name == name {
			return c.cap, nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownCapability, name)
}

// Has reports whether every bit of want is set in c.
func (c Capability) Has(want Capability) bool { return want != 0 && c&want == want }

// Names returns the names of the bits set in c, in bit order. If DenyCap
// is set the result is just ["deny"].
func (c Capability) Names() []string {
	if c&DenyCap != 0 {
		return []string{"deny"}
	}
	var out []string
	for _, n := range capabilityNames {
		if c&n.cap != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// String renders c as its names joined by "|", or "none" when empty.
func (c Capability) String() string {
	if c == 0 {
		return "none"
	}
	return strings.Join(c.Names(), "|")
}

// Operation is what a request does; each maps to the capability it needs.
type Operation string

// Operations. Renew, revoke and rollback need update, as in Vault; help is
// always allowed.
const (
	OpCreate    Operation = "create"
	OpRead      Operation = "read"
	OpUpdate    Operation = "update"
	OpPatch     Operation = "patch"
	OpDelete    Operation = "delete"
	OpList      Operation = "list"
	OpSubscribe Operation = "subscribe"
	OpRenew     Operation = "renew"
	OpRevoke    Operation = "revoke"
	OpRollback  Operation = "rollback"
	OpHelp      Operation = "help"
)

// Capability returns the capability op requires, or 0 for an unknown
// operation and for OpHelp (which needs none).
func (op Operation) Capability() Capability {
	switch op {
	case OpCreate:
		return CreateCap
	case OpRead:
		return ReadCap
	case OpUpdate, OpRenew, OpRevoke, OpRollback:
		return UpdateCap
	case OpPatch:
		return PatchCap
	case OpDelete:
		return DeleteCap
	case OpList:
		return ListCap
	case OpSubscribe:
		return SubscribeCap
	}
	return 0
}
