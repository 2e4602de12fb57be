package injector

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// patchOp is one RFC 6902 operation.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// escape is RFC 6901's escaping of one path segment.
func escape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// patch computes the operations that inject the agent into pod.
func (sp *spec) patch(pod *corev1.Pod, statusKey string) ([]patchOp, error) {
	var ops []patchOp
	saMount := sp.serviceAccountMount(pod)

	// Volumes.
	vols := []corev1.Volume{{Name: secretsVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}}}
	if sp.prePopulate {
		vols = append(vols, homeVolume("home-init"))
	}
	if !sp.prePopulateOnly {
		vols = append(vols, homeVolume("home-sidecar"))
	}
	if saMount.Name == saTokenVolume {
		vols = append(vols, projectedTokenVolume())
	}
	if sp.configMap != "" {
		vols = append(vols, corev1.Volume{Name: configMapVolume, VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: sp.configMap}}}})
	}
	ops = appendAll(ops, "/spec/volumes", len(pod.Spec.Volumes) == 0, toAny(vols))

	// The secrets volume in the application's containers.
	secretMounts := make([]corev1.VolumeMount, 0, 2)
	for _, p := range sp.mountPaths() {
		secretMounts = append(secretMounts, corev1.VolumeMount{Name: secretsVolume, MountPath: p})
	}
	for i, c := range pod.Spec.Containers {
		if sp.containers != nil && !sp.containers[c.Name] {
			continue
		}
		ops = appendAll(ops, "/spec/containers/"+itoa(i)+"/volumeMounts", len(c.VolumeMounts) == 0, toAny(secretMounts))
	}

	// The agent containers.
	if sp.prePopulate {
		c, err := sp.container(true, saMount, secretMounts)
		if err != nil {
			return nil, err
		}
		switch {
		case len(pod.Spec.InitContainers) == 0:
			ops = append(ops, patchOp{Op: "add", Path: "/spec/initContainers", Value: []corev1.Container{c}})
		case sp.initFirst:
			ops = append(ops, patchOp{Op: "add", Path: "/spec/initContainers/0", Value: c})
		default:
			ops = append(ops, patchOp{Op: "add", Path: "/spec/initContainers/-", Value: c})
		}
	}
	if !sp.prePopulateOnly {
		c, err := sp.container(false, saMount, secretMounts)
		if err != nil {
			return nil, err
		}
		ops = append(ops, patchOp{Op: "add", Path: "/spec/containers/-", Value: c})
	}

	// The status annotation.
	if len(pod.Annotations) == 0 {
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/annotations", Value: map[string]string{statusKey: "injected"}})
	} else {
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/annotations/" + escape(statusKey), Value: "injected"})
	}
	return ops, nil
}

// appendAll adds values to the array at path, creating it when missing.
func appendAll(ops []patchOp, path string, missing bool, values []any) []patchOp {
	if missing {
		return append(ops, patchOp{Op: "add", Path: path, Value: values})
	}
	for _, v := range values {
		ops = append(ops, patchOp{Op: "add", Path: path + "/-", Value: v})
	}
	return ops
}

func toAny[T any](in []T) []any {
	out := make([]any, len(in))
	for i := range in {
		out[i] = in[i]
	}
	return out
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func homeVolume(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}}
}

// serviceAccountMount is the pod's own token mount when a container has
// one (or the volume agent-service-account-token-volume-name names),
// otherwise the projected volume the patch adds.
func (sp *spec) serviceAccountMount(pod *corev1.Pod) corev1.VolumeMount {
	for _, c := range pod.Spec.Containers {
		for _, m := range c.VolumeMounts {
			if (sp.saVolume != "" && m.Name == sp.saVolume) || (sp.saVolume == "" && m.MountPath == saTokenDir) {
				return corev1.VolumeMount{Name: m.Name, MountPath: saTokenDir, ReadOnly: true}
			}
		}
	}
	if sp.saVolume != "" {
		for _, v := range pod.Spec.Volumes {
			if v.Name == sp.saVolume {
				return corev1.VolumeMount{Name: v.Name, MountPath: saTokenDir, ReadOnly: true}
			}
		}
	}
	return corev1.VolumeMount{Name: saTokenVolume, MountPath: saTokenDir, ReadOnly: true}
}

// projectedTokenVolume is what Kubernetes' ServiceAccount admission mounts
// (token, CA, namespace), for pods whose containers have none.
func projectedTokenVolume() corev1.Volume {
	exp := int64(3600)
	return corev1.Volume{Name: saTokenVolume, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: &exp}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{
				{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		}}}}
}

// container is the init container (init) or the sidecar.
func (sp *spec) container(init bool, saMount corev1.VolumeMount, secretMounts []corev1.VolumeMount) (corev1.Container, error) {
	name, home := sidecarName, "home-sidecar"
	if init {
		name, home = initName, "home-init"
	}
	mounts := []corev1.VolumeMount{{Name: home, MountPath: homePath}, saMount}
	mounts = append(mounts, secretMounts...)
	env := []corev1.EnvVar{
		{Name: "NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
		{Name: "HOST_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.hostIP"}}},
		{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "VAULT_LOG_LEVEL", Value: sp.logLevel},
	}
	var args string
	if sp.configMap != "" {
		file := "config.hcl"
		if init {
			file = "config-init.hcl"
		}
		mounts = append(mounts, corev1.VolumeMount{Name: configMapVolume, MountPath: configMapPath, ReadOnly: true})
		args = "coffer agent -config=" + configMapPath + "/" + file
	} else {
		cfg, err := sp.config(init)
		if err != nil {
			return corev1.Container{}, err
		}
		env = append(env, corev1.EnvVar{Name: "VAULT_CONFIG", Value: base64.StdEncoding.EncodeToString(cfg)})
		args = "echo ${VAULT_CONFIG?} | base64 -d > " + configPath + " && coffer agent -config=" + configPath
	}
	c := corev1.Container{
		Name: name, Image: sp.image,
		Command:      []string{"/bin/sh", "-ec"},
		Args:         []string{args},
		Env:          env,
		Resources:    sp.resources,
		VolumeMounts: mounts,
	}
	if sp.setSecurityContext {
		f, t := false, true
		c.SecurityContext = &corev1.SecurityContext{
			RunAsUser: &sp.runAsUser, RunAsGroup: &sp.runAsGroup, RunAsNonRoot: &t,
			ReadOnlyRootFilesystem: &t, AllowPrivilegeEscalation: &f,
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}
	}
	return c, nil
}
