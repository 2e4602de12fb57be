// Package injector is `coffer agent-injector`: a Kubernetes mutating
// admission webhook (admission.k8s.io/v1) that adds Coffer Agent to pods,
// answering vault-k8s's annotations, flags and environment so an existing
// deployment keeps working with the image swapped.
//
// POST /mutate takes an AdmissionReview whose object is a Pod. A pod with
// vault.hashicorp.com/agent-inject: "true" (or the same annotations under
// any coffer.<domain>/ prefix, which wins when both are set), and without
// agent-inject-status: injected, gets a JSON patch adding:
//
//   - an init container running `coffer agent` with exit_after_auth (unless
//     agent-pre-populate is "false"), so the files exist before the app
//     starts;
//   - a sidecar running `coffer agent`, which keeps them current (unless
//     agent-pre-populate-only is "true");
//   - a shared in-memory volume mounted at /vault/secrets (secret-volume-path)
//     in the agent containers and the application's containers
//     (agent-inject-containers limits which);
//   - the service account token mount in the agent containers: the pod's
//     own when a container mounts one, otherwise a projected token volume as
//     Kubernetes' ServiceAccount admission would add it;
//   - agent-inject-status: injected.
//
// Each agent container gets its configuration as vault-k8s passes it:
// VAULT_CONFIG, the base64 of a JSON agent configuration (auto_auth method
// kubernetes with the pod's role, a file sink at /home/vault/.vault-token,
// one template per agent-inject-secret-<name>), written to
// /home/vault/config.json by the container's shell before `coffer agent`
// starts. agent-configmap replaces it with the pod's own config.hcl and
// config-init.hcl from a ConfigMap.
//
// The webhook serves TLS only (-tls-cert-file, -tls-key-file); the
// certificate is reloaded when the files change, as cert-manager rotates
// them. Bad annotations are refused with a clear message (allowed: false);
// pods in kube-system and kube-public are never mutated.
package injector
