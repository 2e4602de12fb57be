package kv

import "github.com/cofferhq/coffer/ledger"

// KV version 1 keeps one value per path on the same aggregate as version
// 2: a write is a new version that prunes every older one in the same
// append (max_versions 1, whatever the mount's kv config says), so the
// old value's data key is erased as a pruned v2 version's is; a delete
// is a metadata delete, which erases every data key. The secret's
// encryption, events and erasure are v2's, and upgrading the mount to
// version 2 (a tune of options.version) finds the value as the current
// version of a v2 secret.

// DecideWriteV1 decides a KV v1 write of value (a JSON object).
func DecideWriteV1(st State, cmd Write) ([]ledger.Event, Written, error) {
	if cmd.Secret.Path == "" {
		return nil, Written{}, ErrMissingPath
	}
	if err := requireObject(cmd.Value); err != nil {
		return nil, Written{}, err
	}
	st.Config.MaxVersions = 1
	st.Config.DeleteVersionAfter = 0
	if st.Meta != nil {
		meta := *st.Meta // st is this attempt's copy; the metadata is shared
		meta.MaxVersions = 0
		meta.DeleteVersionAfter = 0
		st.Meta = &meta
	}
	return decideNewVersion(st, cmd.Secret, cmd.Value, false, true, cmd.Sealer)
}

// DecideDeleteV1 decides a KV v1 delete: the secret and every data key it
// had are gone.
func DecideDeleteV1(st State, sec Secret) ([]ledger.Event, []string) {
	return metadataDelete(st, sec, true)
}
