// Package kubernetesevent is the event schema of the Kubernetes auth
// method: the mount's config (the token reviewer JWT travels only inside
// the encrypted ledger and is sealed again by the read model) and roles.
//
// The config is aggregate KindConfig with id mount; a role is KindRole
// with id RoleAggregate(mount, name).
package kubernetesevent
