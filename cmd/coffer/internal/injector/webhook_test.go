package injector

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
	tmpl "github.com/cofferhq/coffer/cmd/coffer/internal/agent/template"
)

// tutorialTemplate is the seed tutorial's agent-inject-template-db-creds.
const tutorialTemplate = `{{- with secret "database/creds/myapp-readwrite" -}}
DB_USERNAME={{ .Data.username }}
DB_PASSWORD={{ .Data.password }}
{{- end -}}
`

// tutorialPod is the pod template of the tutorial's Deployment, as the
// API server hands it to a webhook (with the pod's own container).
func tutorialPod(prefix string, extra map[string]string) *corev1.Pod {
	ann := map[string]string{
		prefix + "agent-inject":                   "true",
		prefix + "role":                           "myapp",
		prefix + "agent-inject-secret-db-creds":   "database/creds/myapp-readwrite",
		prefix + "agent-inject-template-db-creds": tutorialTemplate,
	}
	for k, v := range extra {
		ann[k] = v
	}
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{GenerateName: "myapp-", Namespace: "production", Annotations: ann, Labels: map[string]string{"app": "myapp"}},
		Spec: corev1.PodSpec{
			ServiceAccountName: "myapp-sa",
			Containers:         []corev1.Container{{Name: "myapp", Image: "myapp:1.0"}},
		},
	}
}

func review(t *testing.T, pod *corev1.Pod) []byte {
	t.Helper()
	raw, err := json.Marshal(pod)
	require.NoError(t, err)
	ar := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID("705ab4f5-6393-11e8-b7cc-42010a800002"),
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespace: pod.Namespace, Operation: admissionv1.Create,
			Object: runtime.RawExtension{Raw: raw},
		},
	}
	b, err := json.Marshal(ar)
	require.NoError(t, err)
	return b
}

func handler() *Handler {
	s := DefaultSettings()
	s.VaultAddress = "https://coffer.coffer.svc:8200"
	return &Handler{Settings: s}
}

// mutate posts the review and applies the answer's patch to the pod.
func mutate(t *testing.T, h *Handler, pod *corev1.Pod) (*admissionv1.AdmissionResponse, *corev1.Pod) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/mutate", bytes.NewReader(review(t, pod)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var out admissionv1.AdmissionReview
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	require.Equal(t, "AdmissionReview", out.Kind)
	require.Equal(t, types.UID("705ab4f5-6393-11e8-b7cc-42010a800002"), out.Response.UID)
	if out.Response.Patch == nil {
		return out.Response, pod
	}
	require.Equal(t, admissionv1.PatchTypeJSONPatch, *out.Response.PatchType)
	patch, err := jsonpatch.DecodePatch(out.Response.Patch)
	require.NoError(t, err)
	raw, _ := json.Marshal(pod)
	patched, err := patch.Apply(raw)
	require.NoError(t, err)
	var result corev1.Pod
	require.NoError(t, json.Unmarshal(patched, &result))
	return out.Response, &result
}

func container(p *corev1.Pod, init bool, name string) *corev1.Container {
	list := p.Spec.Containers
	if init {
		list = p.Spec.InitContainers
	}
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

// agentConfigOf decodes VAULT_CONFIG and parses it as the agent does.
func agentConfigOf(t *testing.T, c *corev1.Container) *config.Config {
	t.Helper()
	for _, e := range c.Env {
		if e.Name == "VAULT_CONFIG" {
			raw, err := base64.StdEncoding.DecodeString(e.Value)
			require.NoError(t, err)
			cfg, err := config.Parse(raw, "config.json")
			require.NoError(t, err, string(raw))
			return cfg
		}
	}
	t.Fatalf("%s has no VAULT_CONFIG", c.Name)
	return nil
}

func mountAt(c *corev1.Container, path string) *corev1.VolumeMount {
	for i := range c.VolumeMounts {
		if c.VolumeMounts[i].MountPath == path {
			return &c.VolumeMounts[i]
		}
	}
	return nil
}

func TestTutorialDeploymentIsInjected(t *testing.T) {
	resp, pod := mutate(t, handler(), tutorialPod(VaultPrefix, nil))
	require.True(t, resp.Allowed)
	require.Equal(t, "injected", pod.Annotations[VaultPrefix+"agent-inject-status"])

	app := container(pod, false, "myapp")
	require.NotNil(t, mountAt(app, "/vault/secrets"), "the app reads /vault/secrets")
	require.Equal(t, "vault-secrets", mountAt(app, "/vault/secrets").Name)

	init := container(pod, true, "vault-agent-init")
	side := container(pod, false, "vault-agent")
	require.NotNil(t, init)
	require.NotNil(t, side)
	for _, c := range []*corev1.Container{init, side} {
		require.Equal(t, []string{"/bin/sh", "-ec"}, c.Command)
		require.Contains(t, c.Args[0], "coffer agent -config=/home/vault/config.json")
		require.NotNil(t, mountAt(c, "/vault/secrets"))
		sa := mountAt(c, "/var/run/secrets/kubernetes.io/serviceaccount")
		require.NotNil(t, sa)
		require.True(t, sa.ReadOnly)
		require.NotNil(t, mountAt(c, "/home/vault"))
		require.Equal(t, int64(100), *c.SecurityContext.RunAsUser)
		require.True(t, *c.SecurityContext.ReadOnlyRootFilesystem)
		require.Equal(t, "500m", c.Resources.Limits.Cpu().String())
		require.Equal(t, "64Mi", c.Resources.Requests.Memory().String())
	}
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
	}
	require.Equal(t, corev1.StorageMediumMemory, vols["vault-secrets"].EmptyDir.Medium)
	require.NotNil(t, vols["home-init"].EmptyDir)
	require.NotNil(t, vols["home-sidecar"].EmptyDir)
	require.NotNil(t, vols["coffer-sa-token"].Projected, "no token mount in the template: the projected one is added")

	initCfg, sideCfg := agentConfigOf(t, init), agentConfigOf(t, side)
	require.True(t, initCfg.ExitAfterAuth)
	require.False(t, sideCfg.ExitAfterAuth)
	for _, cfg := range []*config.Config{initCfg, sideCfg} {
		require.Equal(t, "https://coffer.coffer.svc:8200", cfg.Vault.Address)
		m := cfg.AutoAuth.Method
		require.Equal(t, "kubernetes", m.Type)
		require.Equal(t, "auth/kubernetes", m.MountPath)
		require.Equal(t, "myapp", m.Config["role"])
		require.Equal(t, "/var/run/secrets/kubernetes.io/serviceaccount/token", m.Config["token_path"])
		require.Equal(t, "/home/vault/.vault-token", cfg.AutoAuth.Sinks[0].Path)
		require.Len(t, cfg.Templates, 1)
		require.Equal(t, "/vault/secrets/db-creds", cfg.Templates[0].Destination)
		require.Equal(t, tutorialTemplate, cfg.Templates[0].Contents)
		require.True(t, cfg.TemplateCfg.ExitOnRetryFailure)
	}

	// The generated template renders what the tutorial's app reads.
	tm, err := tmpl.New(sideCfg.Templates[0])
	require.NoError(t, err)
	out, _, err := tm.Render(credsSource{})
	require.NoError(t, err)
	require.Equal(t, "DB_USERNAME=v-kubernetes-myapp-rw-x\nDB_PASSWORD=pw-1", string(out))

	// Admitted again (a re-created pod carries the status): no patch.
	resp, _ = mutate(t, handler(), pod)
	require.True(t, resp.Allowed)
	require.Nil(t, resp.Patch)
}

type credsSource struct{}

func (credsSource) Get(d tmpl.Dep) (*vault.Secret, error) {
	if d.Path != "database/creds/myapp-readwrite" {
		return nil, nil
	}
	return &vault.Secret{LeaseID: d.Path + "/1", LeaseDuration: 3600, Renewable: true,
		Data: map[string]any{"username": "v-kubernetes-myapp-rw-x", "password": "pw-1"}}, nil
}

func TestCofferPrefixAndOptions(t *testing.T) {
	pod := tutorialPod("coffer.cofferhq.com/", map[string]string{
		"coffer.cofferhq.com/agent-pre-populate-only":       "true",
		"coffer.cofferhq.com/agent-inject-secret-config":    "secret/data/myapp/config",
		"coffer.cofferhq.com/agent-inject-file-config":      "app/config.json",
		"coffer.cofferhq.com/agent-inject-perms-config":     "0440",
		"coffer.cofferhq.com/agent-inject-default-template": "json",
		"coffer.cofferhq.com/agent-inject-token":            "true",
		"coffer.cofferhq.com/agent-init-first":              "true",
		"coffer.cofferhq.com/agent-inject-containers":       "myapp",
		"vault.hashicorp.com/role":                          "ignored-because-coffer-wins",
	})
	pod.Spec.InitContainers = []corev1.Container{{Name: "migrate", Image: "migrate:1"}}
	pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: "metrics", Image: "m:1",
		VolumeMounts: []corev1.VolumeMount{{Name: "kube-api-access-abcde", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}}})
	pod.Spec.Volumes = []corev1.Volume{{Name: "kube-api-access-abcde", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{}}}}
	resp, out := mutate(t, handler(), pod)
	require.True(t, resp.Allowed, "%v", resp.Result)
	require.Equal(t, "injected", out.Annotations["coffer.cofferhq.com/agent-inject-status"])
	require.Nil(t, container(out, false, "vault-agent"), "pre-populate-only: no sidecar")
	require.Equal(t, "vault-agent-init", out.Spec.InitContainers[0].Name, "init first")
	require.Equal(t, "migrate", out.Spec.InitContainers[1].Name)
	require.NotNil(t, mountAt(container(out, false, "myapp"), "/vault/secrets"))
	require.Nil(t, mountAt(container(out, false, "metrics"), "/vault/secrets"), "agent-inject-containers leaves metrics alone")
	init := &out.Spec.InitContainers[0]
	require.Equal(t, "kube-api-access-abcde", mountAt(init, "/var/run/secrets/kubernetes.io/serviceaccount").Name, "the pod's own token mount is reused")
	for _, v := range out.Spec.Volumes {
		require.NotEqual(t, "coffer-sa-token", v.Name)
	}
	cfg := agentConfigOf(t, init)
	require.Equal(t, "myapp", cfg.AutoAuth.Method.Config["role"])
	require.Len(t, cfg.AutoAuth.Sinks, 2)
	require.Equal(t, "/vault/secrets/token", cfg.AutoAuth.Sinks[1].Path)
	require.Len(t, cfg.Templates, 2)
	c := cfg.Templates[0] // "config" sorts before "db-creds"
	require.Equal(t, "/vault/secrets/app/config.json", c.Destination)
	require.Equal(t, 0o440, int(c.Perms))
	require.True(t, strings.Contains(c.Contents, `.Data | toJSON`))
}

func TestRefusalsAndPassThrough(t *testing.T) {
	// No role: refused with a message the API server shows.
	pod := tutorialPod(VaultPrefix, nil)
	delete(pod.Annotations, VaultPrefix+"role")
	resp, _ := mutate(t, handler(), pod)
	require.False(t, resp.Allowed)
	require.Contains(t, resp.Result.Message, "role is required")

	pod = tutorialPod(VaultPrefix, map[string]string{VaultPrefix + "agent-limits-cpu": "lots"})
	resp, _ = mutate(t, handler(), pod)
	require.False(t, resp.Allowed)
	require.Contains(t, resp.Result.Message, "agent-limits-cpu")

	// Not asked: allowed, untouched.
	pod = tutorialPod(VaultPrefix, map[string]string{VaultPrefix + "agent-inject": "false"})
	resp, _ = mutate(t, handler(), pod)
	require.True(t, resp.Allowed)
	require.Nil(t, resp.Patch)

	// kube-system is never mutated.
	pod = tutorialPod(VaultPrefix, nil)
	pod.Namespace = "kube-system"
	resp, _ = mutate(t, handler(), pod)
	require.True(t, resp.Allowed)
	require.Nil(t, resp.Patch)

	// Not an AdmissionReview.
	req := httptest.NewRequest(http.MethodPost, "/mutate", strings.NewReader(`{"hello":1}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	req = httptest.NewRequest(http.MethodGet, "/mutate", nil)
	rec = httptest.NewRecorder()
	handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}

func TestEnvironmentSetsFlags(t *testing.T) {
	t.Setenv("AGENT_INJECT_VAULT_ADDR", "https://from-env:8200")
	t.Setenv("AGENT_INJECT_RUN_AS_USER", "2000")
	cmd := New(&bytes.Buffer{}, &bytes.Buffer{})
	require.NoError(t, cmd.Flags().Set("run-as-user", "3000"))
	require.NoError(t, applyEnv(cmd.Flags()))
	addr, _ := cmd.Flags().GetString("vault-address")
	user, _ := cmd.Flags().GetInt64("run-as-user")
	require.Equal(t, "https://from-env:8200", addr)
	require.Equal(t, int64(3000), user, "a flag on the command line wins over the environment")
}
