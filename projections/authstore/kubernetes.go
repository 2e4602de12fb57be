package authstore

import (
	"github.com/cofferhq/coffer/events/kubernetesevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// KubernetesPrefix is the Kubernetes read model's pebble prefix.
const KubernetesPrefix = "kubernetes/"

func k8sConfigKey(mount string) []byte     { return key(KubernetesPrefix, mount, "\x00c") }
func k8sRoleKey(mount, name string) []byte { return key(KubernetesPrefix, mount, "\x00r", name) }
func k8sRolesPrefix(mount string) []byte   { return key(KubernetesPrefix, mount, "\x00r") }

// RegisterKubernetes installs the Kubernetes apply functions.
func RegisterKubernetes(p *projections.Projector) {
	p.Handle(kubernetesevent.EventConfigWritten, decoded(func(tx *projections.Tx, e *kubernetesevent.ConfigWritten) error {
		return putSealed(tx, k8sConfigKey(e.Mount), e.Config)
	}))
	p.Handle(kubernetesevent.EventRoleWritten, decoded(func(tx *projections.Tx, e *kubernetesevent.RoleWritten) error {
		return putSealed(tx, k8sRoleKey(e.Mount, e.Role.Name), e.Role)
	}))
	p.Handle(kubernetesevent.EventRoleDeleted, decoded(func(tx *projections.Tx, e *kubernetesevent.RoleDeleted) error {
		return tx.Delete(k8sRoleKey(e.Mount, e.Name))
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
	found, err := getSealed(s, b, k8sConfigKey(mount), &c)
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
	found, err := getSealed(s, b, k8sRoleKey(mount, name), &r)
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
	return names(s, k8sRolesPrefix(mount))
}
