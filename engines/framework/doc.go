// Package framework is the shape every engine, auth method and sys service
// has, and the contract between them and the gateway.
//
// # Modules
//
// A Module is one exported value that declares a type and kind (secrets
// engine, auth method, sys service), its read models (pebble prefixes and
// apply functions), the public events it maps for subscribers, the
// state-at queries it answers, and a Start function. The node ranges over
// one list of modules: it registers every read model with the projector,
// calls each Start when it unseals (with an Env: the stores, the clock,
// the token store, the lease manager, the routing table), registers the
// Instance's observers and lease Revoker, runs its Services, mounts its
// Factory under the module's type, merges its Sys paths into sys/, and on
// seal stops all of it in reverse.
//
// # Backends and paths
//
// A mount is served by a Backend: a table of Paths (a regular expression
// over the mount-relative path, the declared Fields, one handler per
// operation, whether it is unauthenticated, unaudited or needs sudo) and
// a lifecycle: Clean when the mount is disabled or tuned or the node
// seals, Invalidate for every aggregate a committed message changed. The
// gateway authenticates, canonicalises and ACL-checks before a handler
// runs; Handle then validates the declared fields with Vault's coercions
// (FieldData), runs the handler and warns about undeclared body fields.
// The same declarations serve ?help=1 and sys/internal/specs/openapi.
//
// # Responses
//
// A handler answers with a Response: Data for Vault's envelope, Raw for
// a body of its own (a PEM certificate, a CRL), an Auth block (a login:
// the core mints the token), a Secret (a lease: the core registers it
// unless the engine already did), or a Stream that takes over the
// connection. Errors are CodedError (a handler's own refusal) or errors
// declared in internal/apierror, which carry their status and Vault's
// message; anything else is a 500 that names nothing.
package framework
