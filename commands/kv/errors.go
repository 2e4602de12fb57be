package kv

import (
	"errors"
	"strings"

	"github.com/cofferhq/coffer/projections/kvstore"
)

// Sentinel errors of kv decisions. The engine turns them into Vault's
// status codes and messages.
var (
	// ErrNotFound: the secret (or the version a patch needs) does not exist.
	ErrNotFound = errors.New("kv: secret not found")
	// ErrCASMismatch: options.cas is not the current version.
	ErrCASMismatch = errors.New("kv: check-and-set parameter did not match the current version")
	// ErrCASRequired: the mount or the secret requires options.cas.
	ErrCASRequired = errors.New("kv: check-and-set parameter required for this call")
	// ErrNoVersions: delete/, undelete/ or destroy/ without versions.
	ErrNoVersions = errors.New("kv: no version number provided")
	// ErrMissingPath: a write to the mount's root.
	ErrMissingPath = errors.New("kv: missing path")
	// ErrNotAnObject: a value (or merge-patch result) that is not a JSON
	// object.
	ErrNotAnObject = errors.New("kv: data must be a JSON object")
	// ErrInvalidCustomMetadata: custom_metadata breaks Vault's limits.
	ErrInvalidCustomMetadata = errors.New("kv: custom_metadata validation failed")
	// ErrVersionUnavailable: the version exists but is deleted or
	// destroyed; see UnavailableError.
	ErrVersionUnavailable = errors.New("kv: version is deleted or destroyed")
)

// UnavailableError carries the metadata of a deleted or destroyed version,
// which Vault returns with its 404.
type UnavailableError struct {
	Version        uint64
	Meta           kvstore.VersionMeta
	CustomMetadata map[string]string
}

func (e *UnavailableError) Error() string { return ErrVersionUnavailable.Error() }

func (e *UnavailableError) Unwrap() error { return ErrVersionUnavailable }

// CustomMetadataError lists every custom_metadata problem, as Vault does.
type CustomMetadataError struct{ Problems []string }

func (e *CustomMetadataError) Error() string {
	return ErrInvalidCustomMetadata.Error() + ": " + strings.Join(e.Problems, "; ")
}

func (e *CustomMetadataError) Unwrap() error { return ErrInvalidCustomMetadata }
