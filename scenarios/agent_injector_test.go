package scenarios_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/cofferhq/coffer/internal/testpg"
	"github.com/cofferhq/coffer/scenarios/harness"
)

// selfSigned writes a loopback certificate and key; it returns their paths
// and a pool trusting the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "coffer-agent-injector"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// tutorialPodTemplate is the pod template of the tutorial's Deployment.
func tutorialPodTemplate() *corev1.Pod {
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{GenerateName: "myapp-", Namespace: "production", Annotations: map[string]string{
			"vault.hashicorp.com/agent-inject":                 "true",
			"vault.hashicorp.com/role":                         "myapp",
			"vault.hashicorp.com/agent-inject-secret-db-creds": "database/creds/myapp-readwrite",
			"vault.hashicorp.com/agent-inject-template-db-creds": `{{- with secret "database/creds/myapp-readwrite" -}}
DB_USERNAME={{ .Data.username }}
DB_PASSWORD={{ .Data.password }}
{{- end -}}
`,
		}},
		Spec: corev1.PodSpec{ServiceAccountName: "myapp-sa", Containers: []corev1.Container{{Name: "myapp", Image: "myapp:1.0"}}},
	}
}

// injectedSidecarConfig runs `coffer agent-injector`, sends it the
// tutorial's pod as the API server would, applies the JSON patch and
// returns the sidecar's decoded VAULT_CONFIG.
func injectedSidecarConfig(t *testing.T, s *harness.Server, vaultAddr string) map[string]any {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	port := freeLoopbackPort(t)
	cmd := exec.Command(s.Bin, "agent-injector", "-listen=127.0.0.1:"+port, "-tls-cert-file="+certFile, "-tls-key-file="+keyFile)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "AGENT_INJECT_VAULT_ADDR=" + vaultAddr}
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })

	pod := tutorialPodTemplate()
	raw, _ := json.Marshal(pod)
	body, _ := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{UID: "uid-1", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Namespace: "production", Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw}},
	})
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	var resp *http.Response
	harness.Eventually(t, 20*time.Second, 20*time.Millisecond, func() error {
		var err error
		resp, err = hc.Post("https://127.0.0.1:"+port+"/mutate", "application/json", bytes.NewReader(body))
		return err
	})
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, out.String())
	var review admissionv1.AdmissionReview
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&review))
	require.True(t, review.Response.Allowed)
	patch, err := jsonpatch.DecodePatch(review.Response.Patch)
	require.NoError(t, err)
	patched, err := patch.Apply(raw)
	require.NoError(t, err)
	var injected corev1.Pod
	require.NoError(t, json.Unmarshal(patched, &injected))
	for _, c := range injected.Spec.Containers {
		if c.Name != "vault-agent" {
			continue
		}
		for _, e := range c.Env {
			if e.Name == "VAULT_CONFIG" {
				b, err := base64.StdEncoding.DecodeString(e.Value)
				require.NoError(t, err)
				var cfg map[string]any
				require.NoError(t, json.Unmarshal(b, &cfg))
				return cfg
			}
		}
	}
	t.Fatalf("no vault-agent sidecar with VAULT_CONFIG in %s", patched)
	return nil
}

func freeLoopbackPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// localize moves the pod's paths (/vault/secrets, /home/vault) into dir.
func localize(t *testing.T, cfg map[string]any, dir string) []byte {
	t.Helper()
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	text := strings.NewReplacer("/vault/secrets/", dir+"/", "/home/vault/", dir+"/").Replace(string(b))
	return []byte(text)
}

// TestInjectedTutorialSidecarRenders: the injector's generated sidecar
// configuration, with the pod's paths moved to a temp dir, runs under
// `coffer agent` and renders db-creds with working PostgreSQL
// credentials. Its auto_auth method is kubernetes; until the server has
// Kubernetes auth (issue 13) the method is swapped for token_file with a
// token carrying the tutorial's policy. TestInjectedSidecarKubernetesLogin
// runs it unchanged once the method exists.
func TestInjectedTutorialSidecarRenders(t *testing.T) {
	s := start(t)
	pg := testpg.Start(t)
	tutorialDatabase(t, s, pg, "1h")
	root := s.Client(t)
	cfg := injectedSidecarConfig(t, s, s.Addr)
	aa := cfg["auto_auth"].(map[string]any)
	method := aa["method"].(map[string]any)
	require.Equal(t, "kubernetes", method["type"])
	require.Equal(t, "myapp", method["config"].(map[string]any)["role"])

	dir := t.TempDir()
	writeToken(t, dir, appToken(t, root, "1h"))
	aa["method"] = map[string]any{"type": "token_file", "config": map[string]any{"token_file_path": dir + "/token"}}
	text := localize(t, cfg, dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), text, 0o600))
	a := startAgentFile(t, s, dir, filepath.Join(dir, "config.json"))
	content, _ := waitFor(t, filepath.Join(dir, "db-creds"), 30*time.Second, hasCreds)
	user, password := credsOf(t, content)
	loginWith(t, pg, user, password)
	require.NotContains(t, a.out.String(), password)
}
