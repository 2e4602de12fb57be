package kv

import (
	"errors"
	"net/http"
	"strings"

	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/internal/apierror"
)

// Errors of kv decisions, with the status and message Vault answers.
var (
	// ErrNotFound: the secret (or the version a patch needs) does not exist.
	ErrNotFound = apierror.NewQuiet(2001, http.StatusNotFound, "kv", "secret not found")
	// ErrCASMismatch: options.cas is not the current version.
	ErrCASMismatch = apierror.NewFixed(2002, http.StatusBadRequest, "kv", "check-and-set parameter did not match the current version")
	// ErrCASRequired: the mount or the secret requires options.cas.
	ErrCASRequired = apierror.NewFixed(2003, http.StatusBadRequest, "kv", "check-and-set parameter required for this call")
	// ErrNoVersions: delete/, undelete/ or destroy/ without versions.
	ErrNoVersions = apierror.NewFixed(2004, http.StatusBadRequest, "kv", "no version number provided")
	// ErrMissingPath: a write to the mount's root.
	ErrMissingPath = apierror.NewFixed(2005, http.StatusBadRequest, "kv", "missing path")
	// ErrNotAnObject: a value (or merge-patch result) that is not a JSON
	// object.
	ErrNotAnObject = apierror.NewFixed(2006, http.StatusBadRequest, "kv", "data must be a JSON object")
	// ErrInvalidCustomMetadata: custom_metadata breaks Vault's limits.
	ErrInvalidCustomMetadata = apierror.New(2007, http.StatusBadRequest, "kv", "custom_metadata validation failed")
	// ErrVersionUnavailable: the version exists but is deleted or
	// destroyed; see UnavailableError.
	ErrVersionUnavailable = errors.New("kv: version is deleted or destroyed")
)

// UnavailableError carries the metadata of a deleted or destroyed version,
// which Vault returns with its 404.
type UnavailableError struct {
	Version        uint64
	Meta           kvevent.VersionMeta
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
