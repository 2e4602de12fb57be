// Package testk8s stands in for a Kubernetes apiserver in tests, because no
// kube-apiserver can run here. It is a fake, and it speaks the real wire
// protocol: requests and responses are the real types from k8s.io/api
// (authentication/v1 TokenReview, core/v1 ServiceAccount) and
// k8s.io/apimachinery (meta/v1 Status for errors), encoded as the apiserver
// encodes them, over TLS on 127.0.0.1 with a random port.
//
// Signer mints real service-account JWTs (RS256 or ES256) in the claims
// layout the apiserver uses for projected tokens (iss, sub, aud, iat, nbf,
// exp, jti, kubernetes.io {namespace, pod, serviceaccount}), or the legacy
// secret-based layout (kubernetes.io/serviceaccount/... claims, no expiry).
// Unsigned builds the same token with alg "none".
//
// Server answers:
//
//   - POST /apis/authentication.k8s.io/v1/tokenreviews: the caller's bearer
//     must itself be a valid token of a service account granted the review
//     permission (GrantTokenReview, as the system:auth-delegator binding),
//     or a static token added with AllowBearer; otherwise 401 or 403 with a
//     meta/v1 Status, as the apiserver does. The reviewed token is checked
//     as the apiserver checks it: a signature by a trusted Signer, the
//     issuer, expiry, audiences (spec.audiences or the server's API
//     audiences), and a service account that exists with the same UID (and,
//     for legacy tokens, the same secret). The answer is 201 with
//     status.authenticated, status.user (username
//     system:serviceaccount:<ns>:<name>, uid, groups, pod extra),
//     status.audiences, or status.error.
//   - GET /api/v1/namespaces/<ns>/serviceaccounts/<name>: the account with
//     its annotations, or 404 Status.
//
// OnReview overrides a review's status (e.g. to answer "not
// authenticated" for a token that is otherwise valid); StallReviews makes
// reviews hang until the client gives up (timeouts); Reviews lists what was
// asked and with which bearer. UnreachableURL gives an https URL on
// 127.0.0.1 where nothing listens.
//
//	srv := testk8s.Start(t)
//	signer := testk8s.NewRSASigner(t)
//	srv.Trust(signer)
//	sa := srv.AddServiceAccount("apps", "web")
//	reviewer := srv.AddServiceAccount("coffer", "token-reviewer")
//	srv.GrantTokenReview(reviewer)
//	jwt := signer.MustSign(t, srv.Claims(sa))
//	reviewerJWT := signer.MustSign(t, srv.Claims(reviewer))
//	// configure kubernetes_host = srv.URL(), kubernetes_ca_cert = srv.CACertPEM()
package testk8s
