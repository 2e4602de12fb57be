package gateway

import "errors"

var (
	// ErrBadPath reports a path that is not canonical.
	ErrBadPath = errors.New("gateway: invalid path")
	// ErrPathTooLong reports a path over the length or segment limit.
	ErrPathTooLong = errors.New("gateway: path too long")
	// ErrBodyTooLarge reports a body over the configured limit.
	ErrBodyTooLarge = errors.New("gateway: request body too large")
	// ErrBadJSON reports a body that is not acceptable JSON.
	ErrBadJSON = errors.New("gateway: malformed JSON body")
	// ErrAuditFailed reports that the audit record could not be appended,
	// so the request fails closed.
	ErrAuditFailed = errors.New("gateway: audit record could not be written")
)
