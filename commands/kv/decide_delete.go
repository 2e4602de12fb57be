package kv

import (
	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
)

// DecideDeleteLatest soft-deletes the current version (data DELETE). A
// missing secret, or a current version already deleted or destroyed, is a
// no-op, as in Vault.
func DecideDeleteLatest(st State, sec Secret) []ledger.Event {
	if st.Meta == nil {
		return nil
	}
	vs, _ := DecideDeleteVersions(st, sec, []uint64{st.Meta.CurrentVersion})
	return vs
}

// DecideDeleteVersions soft-deletes versions (delete/). Versions that do
// not exist, are destroyed or already deleted are skipped.
func DecideDeleteVersions(st State, sec Secret, versions []uint64) ([]ledger.Event, error) {
	if len(versions) == 0 {
		return nil, ErrNoVersions
	}
	var changed []kvevent.VersionDeletion
	for _, v := range uniqueVersions(versions) {
		vm, ok := st.versionAt(v)
		if !ok || vm.Destroyed || vm.Deleted(st.Now) {
			continue
		}
		changed = append(changed, kvevent.VersionDeletion{Version: v, DeletionTime: st.Now})
	}
	if len(changed) == 0 {
		return nil, nil
	}
	return sec.sequence(st, newEvent(kvevent.EventVersionsDeleted, kvevent.VersionsDeleted{
		Mount: sec.Mount, Path: sec.Path, Versions: changed,
	})), nil
}

// DecideUndelete restores versions (undelete/). Each restored version gets
// a fresh delete_version_after deadline counted from now, if one applies.
func DecideUndelete(st State, sec Secret, versions []uint64) ([]ledger.Event, error) {
	if len(versions) == 0 {
		return nil, ErrNoVersions
	}
	deadline, _ := kvevent.DeletionTime(st.Now, st.Config, st.Meta)
	var changed []kvevent.VersionDeletion
	for _, v := range uniqueVersions(versions) {
		vm, ok := st.versionAt(v)
		if !ok || vm.Destroyed || vm.DeletionTime.Equal(deadline) {
			continue
		}
		changed = append(changed, kvevent.VersionDeletion{Version: v, DeletionTime: deadline})
	}
	if len(changed) == 0 {
		return nil, nil
	}
	return sec.sequence(st, newEvent(kvevent.EventVersionsUndeleted, kvevent.VersionsUndeleted{
		Mount: sec.Mount, Path: sec.Path, Versions: changed,
	})), nil
}

// DecideDestroy destroys versions (destroy/). It returns the data keys to
// erase once the events are stored: those of the versions it destroys and,
// to repair an erasure interrupted earlier, those of versions already
// destroyed.
func DecideDestroy(st State, sec Secret, versions []uint64) ([]ledger.Event, []string, error) {
	if len(versions) == 0 {
		return nil, nil, ErrNoVersions
	}
	var events []ledger.Event
	var erase []string
	for _, v := range uniqueVersions(versions) {
		vm, ok := st.versionAt(v)
		if !ok {
			continue
		}
		if vm.DataKey != "" {
			erase = append(erase, vm.DataKey)
		}
		if vm.Destroyed {
			continue
		}
		events = append(events, newEvent(kvevent.EventVersionDestroyed, kvevent.VersionDestroyed{
			Mount: sec.Mount, Path: sec.Path, Version: v, DataKey: vm.DataKey,
		}))
	}
	return sec.sequence(st, events...), erase, nil
}
