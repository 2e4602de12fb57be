package policy

import (
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/events/policyevent"
	"github.com/cofferhq/coffer/ledger"
)

// State is what a policy decision needs from the read model.
type State struct {
	// Exists reports whether the policy exists (the built-in default
	// always does).
	Exists bool
	// Version is the policy aggregate's version.
	Version uint64
}

// Write creates or replaces a policy.
type Write struct {
	Name string
	// Text is HCL (native or JSON syntax), or the same base64-encoded, as
	// Vault accepts.
	Text string
}

// immutable policies can be neither written nor deleted (Vault's
// immutablePolicies; the control-group policy does not exist here).
var immutable = []string{acl.RootPolicyName, acl.ResponseWrappingPolicyName}

// DecideWrite validates and parses the policy and returns policy.written.
func DecideWrite(s State, c Write) ([]ledger.Event, error) {
	name := acl.NormalizeName(c.Name)
	if name == "" {
		return nil, refuse(ErrInvalidName, "policy name must be provided in the URL")
	}
	if err := acl.CanonicalName(c.Name); err != nil {
		return nil, refuse(ErrInvalidName, err.Error())
	}
	for _, n := range immutable {
		if name == n {
			return nil, refuse(ErrImmutable, fmt.Sprintf("cannot update %q policy", name))
		}
	}
	text := DecodeText(c.Text)
	if text == "" {
		return nil, refuse(ErrEmpty, "'policy' parameter not supplied or empty")
	}
	if _, err := acl.Parse(name, text); err != nil {
		return nil, parseRefusal(err)
	}
	e := ledger.MakeEvent(policyevent.EventWritten, policyevent.Written{Name: name, Text: text})
	return commands.Sequence(policyevent.Kind, name, s.Version, e), nil
}

// DecodeText returns text base64-decoded when it is valid base64, as
// Vault does, and unchanged otherwise.
func DecodeText(text string) string {
	if raw, err := base64.StdEncoding.DecodeString(text); err == nil {
		return string(raw)
	}
	return text
}

func parseRefusal(err error) error {
	var pe *acl.ParseError
	if errors.As(err, &pe) {
		msg := pe.Msg
		if errors.Is(err, acl.ErrUnknownCapability) {
			msg = "unknown capability " + msg
		}
		if pe.Line > 0 {
			msg = fmt.Sprintf("%d:%d: %s", pe.Line, pe.Column, msg)
		}
		return refuse(ErrMalformed, "failed to parse policy: "+msg)
	}
	switch {
	case errors.Is(err, acl.ErrInvalidName):
		return refuse(ErrInvalidName, err.Error())
	}
	return err
}

// Delete removes a policy.
type Delete struct {
	Name string
}

// DecideDelete returns policy.deleted, or no events when the policy does
// not exist (deleting a missing policy succeeds, as in Vault).
func DecideDelete(s State, c Delete) ([]ledger.Event, error) {
	name := acl.NormalizeName(c.Name)
	if err := acl.CanonicalName(c.Name); err != nil {
		return nil, refuse(ErrInvalidName, err.Error())
	}
	switch name {
	case acl.DefaultPolicyName, acl.RootPolicyName:
		return nil, refuse(ErrImmutable, fmt.Sprintf("cannot delete %s policy", name))
	case acl.ResponseWrappingPolicyName:
		return nil, refuse(ErrImmutable, fmt.Sprintf("cannot delete %q policy", name))
	}
	if !s.Exists {
		return nil, nil
	}
	e := ledger.MakeEvent(policyevent.EventDeleted, policyevent.Deleted{Name: name})
	return commands.Sequence(policyevent.Kind, name, s.Version, e), nil
}
