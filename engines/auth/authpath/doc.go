// Package authpath is what the AppRole, userpass and Kubernetes modules
// share to serve their paths: the request read with Vault's coercions
// (authkit.Fields over the request's raw fields), the refusals of the
// pure packages turned into framework errors with Vault's status and
// message, the failed-login limiter around a credential check (429 with
// Retry-After), the common token fields declared for the path tables, and
// the Auth block handed to the core to mint.
package authpath
