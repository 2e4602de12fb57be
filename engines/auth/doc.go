// Package auth is the home of Coffer's auth methods: Kubernetes, AppRole
// and userpass, and the parts they share.
//
// Phase 1 holds leaf packages only: they import the standard library and a
// few well-kept modules, nothing else from Coffer, so they can move under
// the module shape (issue 9) unchanged.
//
//   - authkit: the Auth block a login returns for the core to mint, the
//     refusal type that carries Vault's status and message, Vault's field
//     coercions for tests, CIDR and glob helpers; authkit/authtest has the
//     shared test helpers.
//   - tokenparams: the common token fields (Vault's tokenutil.TokenParams)
//     with the legacy-alias rules.
//   - ratelimit: the failed-login limiter (per source and role).
//   - approle, userpass, kubernetes: each method's pure decisions, state
//     folds and, for Kubernetes, the TokenReview client.
package auth
