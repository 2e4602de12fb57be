// Package kubernetes is the Kubernetes auth method's logic: its config and
// roles (Vault's fields, defaults, validation and messages), the local JWT
// checks, the role binding, the TokenReview client, and the login that puts
// them together and returns the Auth block for the core to mint.
//
// A login, in Vault's order:
//
//  1. token_bound_cidrs of the role against the client address (403).
//  2. The JWT is parsed (RS256/384/512, ES256/384/512, PS256/384/512); its
//     signature is checked only when pem_keys are configured; its claims
//     always: iss when issuer is set and disable_iss_validation is false
//     (Vault's rule: without an issuer no iss check is made), aud against
//     the role's audience, and exp/nbf/iat with 60 s of clock skew (a token
//     without exp is valid for 150 s after iat/nbf, a token with none of
//     them is accepted, as Vault's cap/jwt does). A signature failure is a
//     bare 403 "permission denied"; a claim failure is a 403 with Vault's
//     claim message.
//  3. The service account name and namespace against the role's bound
//     lists (globs, "*") — "service account name not authorized",
//     "namespace not authorized", 403.
//  4. The TokenReview API (authentication.k8s.io/v1) confirms the token:
//     POST to kubernetes_host over TLS verified with kubernetes_ca_cert,
//     authenticated with token_reviewer_jwt or, when none is set, the
//     client's own JWT, asking for the role's audience (or the token's
//     own). Any failure — not authenticated, wrong audience, a user that is
//     not a service account, names or UID that differ from the JWT, an
//     unreachable apiserver — is a bare 403 "permission denied", as Vault
//     answers; the reason is kept as the error's cause for the log.
//  5. With use_annotations_as_alias_metadata, the service account's
//     vault.hashicorp.com/alias-metadata-* annotations become alias
//     metadata.
//
// The Auth block carries metadata service_account_name,
// service_account_namespace, service_account_uid,
// service_account_secret_name and role, the alias named by the service
// account UID or "<namespace>/<name>" (alias_name_source), display name
// "<namespace>-<name>", and the role's token fields.
//
// Not supported: bound_service_account_namespace_selector (a role that
// sets it is refused with a 400 that says so).
//
// A Client is safe for concurrent use and keeps connections to the
// apiserver alive; build one per config and replace it when the config
// changes. No JWT ever appears in an error message.
package kubernetes
