package transit

import (
	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/ledger"
)

// ValidateTrim checks a trim to minAvailable with Vault's rules and
// messages.
func ValidateTrim(k *transitevent.Key, minAvailable int) error {
	switch {
	case minAvailable < k.MinAvailableVersion:
		return invalid("minimum available version cannot be decremented")
	case k.MinEncryptionVersion == 0:
		return invalid("minimum available version cannot be set when minimum encryption version is not set")
	case k.MinDecryptionVersion == 0:
		return invalid("minimum available version cannot be set when minimum decryption version is not set")
	case minAvailable > k.MinEncryptionVersion:
		return invalid("minimum available version cannot be greater than minimum encryption version")
	case minAvailable > k.MinDecryptionVersion:
		return invalid("minimum available version cannot be greater than minimum decryption version")
	case minAvailable < 0:
		return invalid("minimum available version cannot be negative")
	case minAvailable == 0:
		return invalid("minimum available version should be positive")
	}
	return nil
}

// KeptVersions are the versions a trim to minAvailable keeps, ascending.
func KeptVersions(k *transitevent.Key, minAvailable int) []int {
	var out []int
	for _, v := range k.VersionNumbers() {
		if v >= minAvailable {
			out = append(out, v)
		}
	}
	return out
}

// DecideTrim records that versions below minAvailable are erased.
// remaining holds every kept version re-sealed under the new data key
// dataKey; the key's current data key is retired (and destroyed by the
// runner once the event is stored). Trimming to the current minimum is a
// no-op.
func DecideTrim(st State, minAvailable int, dataKey string, remaining []transitevent.VersionRecord) ([]ledger.Event, error) {
	if st.Key == nil {
		return nil, invalid("invalid key name")
	}
	if err := ValidateTrim(st.Key, minAvailable); err != nil {
		return nil, err
	}
	if minAvailable == st.Key.MinAvailableVersion {
		return nil, nil
	}
	kept := KeptVersions(st.Key, minAvailable)
	if len(kept) != len(remaining) || dataKey == "" || dataKey == st.Key.DataKey {
		return nil, ErrStale
	}
	for i, v := range kept {
		if remaining[i].Version != v || len(remaining[i].Material) == 0 {
			return nil, ErrStale
		}
	}
	return st.sequence(newEvent(transitevent.EventKeyTrimmed, transitevent.KeyTrimmed{
		Mount: st.Mount, Name: st.Name, MinAvailableVersion: minAvailable,
		DataKey: dataKey, RetiredDataKey: st.Key.DataKey, Remaining: remaining,
	})), nil
}
