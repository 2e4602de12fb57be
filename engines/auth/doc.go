// Package auth is the home of Coffer's auth methods: Kubernetes, AppRole
// and userpass, and the parts they share.
//
// Each method is a framework.Module (one line in node/modules.go) in its
// own package, next to its pure decisions:
//
//   - approle, userpass, kubernetes: the method's rules (Vault's fields,
//     defaults and messages) as pure functions, its Module, and one
//     path_*.go per path family. State is ledger events
//     (events/approleevent, userpassevent, kubernetesevent), recorded by
//     commands/approle, userpass, kubernetes and read back from
//     projections/authstore, where every value is sealed by the barrier.
//   - authkit: the Auth block a login returns for the core to mint, the
//     refusal type that carries Vault's status and message, Vault's field
//     coercions, CIDR and glob helpers; authkit/authtest has test helpers.
//   - authpath: what the modules share to serve paths (fields, errors,
//     the limiter around a credential check, LIST, the core's Auth block).
//   - tokenparams: the common token fields (Vault's tokenutil.TokenParams)
//     with the legacy-alias rules; the type lives in events/authevent.
//   - ratelimit: the failed-login limiter (per source and role), one per
//     mount, tuned by mount options (docs/login-rate-limit.md).
//
// Response wrapping and the cubbyhole engine (which a wrapped AppRole
// secret ID travels through) live in engines/cubbyhole and
// commands/cubbyhole.
//   - e2e: tests only: every method end to end on an in-process node,
//     through HashiCorp's Go client.
package auth
