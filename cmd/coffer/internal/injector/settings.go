package injector

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Settings are the webhook's flags (vault-k8s's names and defaults).
type Settings struct {
	VaultAddress               string
	AuthType                   string
	AuthPath                   string
	CACertBytes                string
	Image                      string
	LogLevel                   string
	RunAsUser                  int64
	RunAsGroup                 int64
	RunAsSameUser              bool
	SetSecurityContext         bool
	CPURequest, CPULimit       string
	MemRequest, MemLimit       string
	DefaultTemplate            string
	ExitOnRetryFailure         bool
	StaticSecretRenderInterval string
}

// DefaultSettings are vault-k8s's defaults, with Coffer's image.
func DefaultSettings() Settings {
	return Settings{
		AuthType: "kubernetes", AuthPath: "auth/kubernetes", Image: DefaultImage, LogLevel: "info",
		RunAsUser: 100, RunAsGroup: 1000, SetSecurityContext: true,
		CPURequest: "250m", CPULimit: "500m", MemRequest: "64Mi", MemLimit: "128Mi",
		DefaultTemplate: "map", ExitOnRetryFailure: true,
	}
}

// DefaultImage is the agent image when neither -agent-image nor the
// agent-image annotation names one.
const DefaultImage = "cofferhq/coffer:latest"

// Fixed paths inside the agent containers, as vault-k8s lays them out.
const (
	homePath          = "/home/vault"
	configPath        = homePath + "/config.json"
	tokenSinkPath     = homePath + "/.vault-token"
	pidPath           = homePath + "/.pid"
	defaultSecretPath = "/vault/secrets"
	configMapPath     = "/vault/configs"
	saTokenDir        = "/var/run/secrets/kubernetes.io/serviceaccount"
	secretsVolume     = "vault-secrets"
	configMapVolume   = "vault-config"
	saTokenVolume     = "coffer-sa-token"
	initName          = "vault-agent-init"
	sidecarName       = "vault-agent"
)

// spec is one pod's injection, from its annotations and the settings.
type spec struct {
	role, authType, authPath, address string
	image, logLevel                   string
	prePopulate, prePopulateOnly      bool
	initFirst                         bool
	secrets                           []secret
	volumePath                        string
	containers                        map[string]bool // nil: every container
	injectToken                       bool
	tlsSkipVerify                     bool
	caCert                            string
	defaultTemplate                   string
	exitOnRetryFailure                bool
	renderInterval                    string
	resources                         corev1.ResourceRequirements
	runAsUser, runAsGroup             int64
	setSecurityContext                bool
	cacheEnable                       bool
	cachePort                         string
	cacheUseAutoAuth                  string
	configMap                         string
	saVolume                          string
}

func newSpec(a annotations, s Settings) (*spec, error) {
	sp := &spec{
		role: a.str("role", ""), authType: a.str("auth-type", s.AuthType), authPath: strings.Trim(a.str("auth-path", s.AuthPath), "/"),
		address: a.str("service", s.VaultAddress), image: a.str("agent-image", s.Image), logLevel: a.str("log-level", s.LogLevel),
		volumePath: strings.TrimSuffix(a.str("secret-volume-path", defaultSecretPath), "/"),
		caCert:     a.str("ca-cert", ""), defaultTemplate: a.str("agent-inject-default-template", s.DefaultTemplate),
		renderInterval: a.str("template-static-secret-render-interval", s.StaticSecretRenderInterval),
		cachePort:      a.str("agent-cache-listener-port", "8200"), cacheUseAutoAuth: a.str("agent-cache-use-auto-auth-token", "true"),
		configMap: a.str("agent-configmap", ""), saVolume: a.str("agent-service-account-token-volume-name", ""),
		secrets: a.secrets(),
	}
	var err error
	bools := []struct {
		name string
		def  bool
		out  *bool
	}{
		{"agent-pre-populate", true, &sp.prePopulate},
		{"agent-pre-populate-only", false, &sp.prePopulateOnly},
		{"agent-init-first", false, &sp.initFirst},
		{"agent-inject-token", false, &sp.injectToken},
		{"tls-skip-verify", false, &sp.tlsSkipVerify},
		{"template-config-exit-on-retry-failure", s.ExitOnRetryFailure, &sp.exitOnRetryFailure},
		{"agent-set-security-context", s.SetSecurityContext, &sp.setSecurityContext},
		{"agent-cache-enable", false, &sp.cacheEnable},
	}
	for _, b := range bools {
		if *b.out, err = a.boolean(b.name, b.def); err != nil {
			return nil, err
		}
	}
	if sp.runAsUser, err = a.int64("agent-run-as-user", s.RunAsUser); err != nil {
		return nil, err
	}
	if sp.runAsGroup, err = a.int64("agent-run-as-group", s.RunAsGroup); err != nil {
		return nil, err
	}
	if sp.role == "" && sp.configMap == "" && sp.authType == "kubernetes" {
		return nil, fmt.Errorf("%w: role is required (%srole)", ErrAnnotation, a.prefix)
	}
	if sp.address == "" && sp.configMap == "" {
		return nil, fmt.Errorf("%w: no server address: set -vault-address or the service annotation", ErrAnnotation)
	}
	if sp.prePopulateOnly && !sp.prePopulate {
		return nil, fmt.Errorf("%w: agent-pre-populate-only needs agent-pre-populate", ErrAnnotation)
	}
	if sp.defaultTemplate != "map" && sp.defaultTemplate != "json" {
		return nil, fmt.Errorf("%w: agent-inject-default-template must be \"map\" or \"json\"", ErrAnnotation)
	}
	if list := a.str("agent-inject-containers", ""); list != "" {
		sp.containers = map[string]bool{}
		for _, c := range strings.Split(list, ",") {
			sp.containers[strings.TrimSpace(c)] = true
		}
	}
	if sp.resources, err = resources(a, s); err != nil {
		return nil, err
	}
	for _, sec := range sp.secrets {
		if sec.Path == "" && sec.Template == "" && sec.TemplateFile == "" {
			return nil, fmt.Errorf("%w: agent-inject-secret-%s is empty", ErrAnnotation, sec.Name)
		}
		if strings.Contains(sec.Name, "..") || strings.Contains(sec.File, "..") {
			return nil, fmt.Errorf("%w: agent-inject-secret-%s: file names must not contain ..", ErrAnnotation, sec.Name)
		}
	}
	return sp, nil
}

func resources(a annotations, s Settings) (corev1.ResourceRequirements, error) {
	r := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	for _, q := range []struct {
		ann, def string
		list     corev1.ResourceList
		name     corev1.ResourceName
	}{
		{"agent-requests-cpu", s.CPURequest, r.Requests, corev1.ResourceCPU},
		{"agent-limits-cpu", s.CPULimit, r.Limits, corev1.ResourceCPU},
		{"agent-requests-mem", s.MemRequest, r.Requests, corev1.ResourceMemory},
		{"agent-limits-mem", s.MemLimit, r.Limits, corev1.ResourceMemory},
	} {
		v := a.str(q.ann, q.def)
		if v == "" {
			continue
		}
		qty, err := resource.ParseQuantity(v)
		if err != nil {
			return r, fmt.Errorf("%w: %s: %q is not a quantity", ErrAnnotation, q.ann, v)
		}
		q.list[q.name] = qty
	}
	return r, nil
}

// mountPathOf is where a secret's file lives.
func (sp *spec) mountPathOf(s secret) string {
	if s.MountPath != "" {
		return strings.TrimSuffix(s.MountPath, "/")
	}
	return sp.volumePath
}

// mountPaths are the distinct secret mount paths, in order.
func (sp *spec) mountPaths() []string {
	out := []string{sp.volumePath}
	seen := map[string]bool{sp.volumePath: true}
	for _, s := range sp.secrets {
		if p := sp.mountPathOf(s); !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
