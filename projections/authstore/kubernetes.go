package authstore

import (
	"github.com/cofferhq/coffer/events/kubernetesevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// KubernetesPrefix is the Kubernetes read model's pebble prefix.
const KubernetesPrefix = "kubernetes/"

func k8sConfigKey(mount string) []byte   { return key(KubernetesPrefix, mount, "\x00c") }
func k8sRolesPrefix(mount string) []byte { return key(KubernetesPrefix, mount, "\x00r") }

// k8sRoleKey names a role by the HMAC of mount and name.
func k8sRoleKey(mount, name string) func(projections.SealedReader) ([]byte, error) {
	return func(r projections.SealedReader) ([]byte, error) {
		return nameKey(r, k8sRolesPrefix(mount), "kubernetes-role", mount, name)
	}
}

// k8sConfig is the config's fixed key, for getNamed and putNamed.
func k8sConfig(mount string) func(projections.SealedReader) ([]byte, error) {
	return func(projections.SealedReader) ([]byte, error) { return k8sConfigKey(mount), nil }
}

// RegisterKubernetes installs the Kubernetes apply functions.
func RegisterKubernetes(p *projections.Projector) {
	p.Handle(kubernetesevent.EventConfigWritten, decoded(func(tx *projections.Tx, e *kubernetesevent.ConfigWritten) error {
		return putNamed(tx, k8sConfig(e.Mount), e.Config)
	}))
	p.Handle(kubernetesevent.EventRoleWritten, decoded(func(tx *projections.Tx, e *kubernetesevent.RoleWritten) error {
		return putNamed(tx, k8sRoleKey(e.Mount, e.Role.Name), e.Role)
	}))
	p.Handle(kubernetesevent.EventRoleDeleted, decoded(func(tx *projections.Tx, e *kubernetesevent.RoleDeleted) error {
		return deleteNamed(tx, k8sRoleKey(e.Mount, e.Name))
	}))
}

// GetKubernetesConfig returns the mount's config and its aggregate
// version, or ErrNotFound with the version.
func GetKubernetesConfig(s *projections.Store, b *ledger.Barrier, mount string) (*kubernetesevent.Config, uint64, error) {
	v, err := s.AggregateVersion(kubernetesevent.KindConfig, mount)
	if err != nil {
		return nil, 0, err
	}
	var c kubernetesevent.Config
	found, err := getNamed(s, b, k8sConfig(mount), &c)
	if err != nil {
		return nil, v, err
	}
	if !found {
		return nil, v, ErrNotFound
	}
	return &c, v, nil
}

// GetKubernetesRole returns a role and its aggregate version, or
// ErrNotFound with the version.
func GetKubernetesRole(s *projections.Store, b *ledger.Barrier, mount, name string) (*kubernetesevent.Role, uint64, error) {
	v, err := s.AggregateVersion(kubernetesevent.KindRole, kubernetesevent.RoleAggregate(mount, name))
	if err != nil {
		return nil, 0, err
	}
	var r kubernetesevent.Role
	found, err := getNamed(s, b, k8sRoleKey(mount, name), &r)
	if err != nil {
		return nil, v, err
	}
	if !found {
		return nil, v, ErrNotFound
	}
	return &r, v, nil
}

// ListKubernetesRoles returns the mount's role names in order.
func ListKubernetesRoles(s *projections.Store, mount string) ([]string, error) {
	return projections.ScanNames(s, k8sRolesPrefix(mount), func(r kubernetesevent.Role) string { return r.Name })
}
