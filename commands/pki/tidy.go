package pki

import (
	"time"

	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
)

// DecideAutoTidyConfig records config/auto-tidy.
func DecideAutoTidyConfig(st MountState, c pkievent.AutoTidyConfig) ([]ledger.Event, error) {
	if c.Enabled && c.IntervalSeconds <= 0 {
		return nil, Invalid("interval_duration must be positive when auto-tidy is enabled")
	}
	if c.Enabled && !c.TidyCertStore && !c.TidyRevokedCerts {
		return nil, Invalid("Auto-tidy enabled but no tidy operations were requested. Enable at least one tidy operation to be run (tidy_cert_store / tidy_revoked_certs)")
	}
	return st.sequence(ledger.MakeEvent(pkievent.EventAutoTidyConfigured, pkievent.AutoTidyConfigured{Mount: st.Mount, Config: c})), nil
}

// DecideTidyFinished records a finished tidy run.
func DecideTidyFinished(st MountState, f pkievent.TidyFinished) ([]ledger.Event, error) {
	f.Mount = st.Mount
	return st.sequence(ledger.MakeEvent(pkievent.EventTidyFinished, f)), nil
}

// AutoTidyDue reports whether an auto-tidy run is due at now: enabled,
// and an interval has passed since the last automatic run (at once when
// there was none).
func AutoTidyDue(m *pkievent.Mount, now time.Time) bool {
	c := m.Config.AutoTidy
	if c == nil || !c.Enabled || c.IntervalSeconds <= 0 {
		return false
	}
	return !now.Before(m.Config.LastAutoTidy.Add(time.Duration(c.IntervalSeconds) * time.Second))
}
