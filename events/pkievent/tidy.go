package pkievent

import "time"

// Tidy events: config/auto-tidy and each finished tidy run belong to the
// mount aggregate, so the node that runs auto-tidy next (the elected
// one, which may change) knows when the last run was.
const (
	EventAutoTidyConfigured = "pki.auto_tidy_configured"
	EventTidyFinished       = "pki.tidy_finished"
)

// AutoTidyConfig is config/auto-tidy, durations in seconds as Vault
// reads them back.
type AutoTidyConfig struct {
	Enabled          bool  `json:"enabled"`
	IntervalSeconds  int64 `json:"interval_duration"`
	TidyCertStore    bool  `json:"tidy_cert_store,omitzero"`
	TidyRevokedCerts bool  `json:"tidy_revoked_certs,omitzero"`
	SafetyBuffer     int64 `json:"safety_buffer"`
}

// AutoTidyConfigured records config/auto-tidy.
type AutoTidyConfigured struct {
	Mount  string         `json:"mount"`
	Config AutoTidyConfig `json:"config"`
}

// TidyFinished records a finished tidy run, manual (tidy) or automatic,
// with what it removed (each removal is its own pki.cert_tidied).
type TidyFinished struct {
	Mount          string    `json:"mount"`
	At             time.Time `json:"at"`
	Auto           bool      `json:"auto,omitzero"`
	CertsDeleted   int       `json:"cert_store_deleted_count"`
	RevokedDeleted int       `json:"revoked_cert_deleted_count"`
}

func init() {
	registerType(EventAutoTidyConfigured, AutoTidyConfigured{})
	registerType(EventTidyFinished, TidyFinished{})
}
