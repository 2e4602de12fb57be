package sys

import (
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
)

func (b *backend) keyPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "audit-hash/(?P<path>.+)",
			Fields:     map[string]*framework.FieldSchema{"path": {Type: framework.TypeString, Description: "The name of the audit device (every device hashes with the ledger's audit key)."}, "input": {Type: framework.TypeString, Description: "The value to hash."}},
			Synopsis:   "The hash of a given string via the given audit backend",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.auditHash},
		},
		{
			Pattern:    "key-status",
			Fields:     map[string]*framework.FieldSchema{},
			Synopsis:   "Provides information about the backend encryption key.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.keyStatus},
		},
		{
			Pattern:    "rotate",
			Fields:     map[string]*framework.FieldSchema{},
			Sudo:       true,
			Synopsis:   "Rotates the backend encryption key used to persist data.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.rotate},
		},
	}
}

// auditHash answers sys/audit-hash/<path>: the HMAC the audit trail
// records for input, so an investigator can find a known value in it.
// Coffer has one audit trail (the ledger) whatever the path names, so
// every path hashes under the same audit key.
func (b *backend) auditHash(req *framework.Request) (*framework.Response, error) {
	input := req.String("input")
	if input == "" {
		return nil, framework.BadRequest("the \"input\" parameter is empty")
	}
	barrier, err := b.barrier()
	if err != nil {
		return nil, err
	}
	return withTopLevel(req, map[string]any{"hash": barrier.AuditHMAC(input)})
}

// keyStatus answers sys/key-status with the keyring's active term.
func (b *backend) keyStatus(req *framework.Request) (*framework.Response, error) {
	barrier, err := b.barrier()
	if err != nil {
		return nil, err
	}
	term, installed := barrier.ActiveTerm()
	return withTopLevel(req, map[string]any{
		"term":         int64(term),
		"install_time": installed.UTC().Format(time.RFC3339Nano),
	})
}

// rotate answers sys/rotate (sudo): a new keyring term for new writes;
// older terms still decrypt.
func (b *backend) rotate(req *framework.Request) (*framework.Response, error) {
	if _, err := b.deps.Ledger.Rotate(req.Context()); err != nil {
		return nil, err
	}
	return nil, nil
}

func (b *backend) barrier() (*ledger.Barrier, error) {
	barrier := b.deps.Ledger.Barrier()
	if barrier == nil {
		return nil, ledger.ErrSealed
	}
	return barrier, nil
}
