// Package kubernetes holds the Kubernetes auth method's commands: pure
// decide functions that record the mount's config or a role (as
// engines/auth/kubernetes decided them from the request) on their
// aggregates, and a Runner that loads them from the read model and
// appends through the command bus.
package kubernetes
