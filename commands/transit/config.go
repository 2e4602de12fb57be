package transit

import (
	"time"

	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/ledger"
)

// ConfigChange is a write to keys/:name/config; nil fields are not
// changed.
type ConfigChange struct {
	MinDecryptionVersion *int
	MinEncryptionVersion *int
	DeletionAllowed      *bool
	Exportable           *bool
	AllowPlaintextBackup *bool
	AutoRotatePeriod     *time.Duration
}

// DecideConfig applies c to the key's settings with Vault's rules and
// messages. It returns no events when nothing changes, and Vault's
// warnings.
func DecideConfig(st State, c ConfigChange) ([]ledger.Event, []string, error) {
	if st.Key == nil {
		return nil, nil, invalid("no existing key named %s could be found", st.Name)
	}
	k := st.Key
	cfg := k.Config
	var warnings []string
	if c.MinDecryptionVersion != nil {
		v := *c.MinDecryptionVersion
		if v < 0 {
			return nil, nil, invalid("min decryption version cannot be negative")
		}
		if v == 0 {
			v = 1
			warnings = append(warnings, "since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1")
		}
		if v != cfg.MinDecryptionVersion && v > k.LatestVersion {
			return nil, nil, invalid("cannot set min decryption version of %d, latest key version is %d", v, k.LatestVersion)
		}
		cfg.MinDecryptionVersion = v
	}
	if c.MinEncryptionVersion != nil {
		v := *c.MinEncryptionVersion
		if v < 0 {
			return nil, nil, invalid("min encryption version cannot be negative")
		}
		if v != cfg.MinEncryptionVersion && v > k.LatestVersion {
			return nil, nil, invalid("cannot set min encryption version of %d, latest key version is %d", v, k.LatestVersion)
		}
		cfg.MinEncryptionVersion = v
	}
	if cfg.MinEncryptionVersion > 0 && cfg.MinEncryptionVersion < cfg.MinDecryptionVersion {
		return nil, nil, invalid("cannot set min encryption/decryption values; min encryption version of %d must be greater than or equal to min decryption version of %d",
			cfg.MinEncryptionVersion, cfg.MinDecryptionVersion)
	}
	if c.DeletionAllowed != nil {
		cfg.DeletionAllowed = *c.DeletionAllowed
	}
	// exportable and allow_plaintext_backup cannot be unset once set.
	if c.Exportable != nil && *c.Exportable {
		cfg.Exportable = true
	}
	if c.AllowPlaintextBackup != nil && *c.AllowPlaintextBackup {
		cfg.AllowPlaintextBackup = true
	}
	if c.AutoRotatePeriod != nil {
		if err := validateAutoRotatePeriod(*c.AutoRotatePeriod); err != nil {
			return nil, nil, err
		}
		cfg.AutoRotatePeriod = *c.AutoRotatePeriod
	}
	if cfg == k.Config {
		return nil, warnings, nil
	}
	switch {
	case k.MinAvailableVersion > cfg.MinEncryptionVersion:
		return nil, nil, invalid("min encryption version should not be less than min available version")
	case k.MinAvailableVersion > cfg.MinDecryptionVersion:
		return nil, nil, invalid("min decryption version should not be less than min available version")
	}
	return st.sequence(newEvent(transitevent.EventKeyConfigChanged, transitevent.KeyConfigChanged{
		Mount: st.Mount, Name: st.Name, Config: cfg,
	})), warnings, nil
}
