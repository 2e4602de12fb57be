package pki

import (
	"context"
	"sync"
	"time"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/engines/pki/revocation"
	"github.com/cofferhq/coffer/events/pkievent"
)

// tidyStatus is the last tidy run of this node's mount (tidy-status).
type tidyStatus struct {
	mu                    sync.Mutex
	state                 string
	started, finished     time.Time
	certsDeleted, revoked int
	lastErr               string
}

var tidyStatuses sync.Map // mount accessor -> *tidyStatus

func (b *Backend) tidyPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern: "tidy",
			Fields: map[string]*framework.FieldSchema{
				"tidy_cert_store":       {Type: framework.TypeBool, Description: "Remove expired certificates."},
				"tidy_revoked_certs":    {Type: framework.TypeBool, Description: "Remove expired revocation entries."},
				"safety_buffer":         {Type: framework.TypeDurationSecond, Default: 72 * 3600, Description: "How long after expiry."},
				"revoked_safety_buffer": {Type: framework.TypeDurationSecond, Description: "The buffer for revoked certificates."},
			},
			Synopsis:   "Remove expired certificates from the store (synchronously).",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.tidy},
		},
		{
			Pattern: "config/auto-tidy",
			Fields: map[string]*framework.FieldSchema{
				"enabled":            {Type: framework.TypeBool, Description: "Run tidy periodically (on the elected node)."},
				"interval_duration":  {Type: framework.TypeDurationSecond, Default: 12 * 3600, Description: "How often auto-tidy runs."},
				"tidy_cert_store":    {Type: framework.TypeBool, Description: "Remove expired certificates."},
				"tidy_revoked_certs": {Type: framework.TypeBool, Description: "Remove expired revocation entries."},
				"safety_buffer":      {Type: framework.TypeDurationSecond, Default: 72 * 3600, Description: "How long after expiry."},
			},
			Synopsis: "Periodic tidy settings.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readAutoTidy,
				framework.UpdateOperation: b.writeAutoTidy,
			},
		},
		{
			Pattern:    "tidy-status",
			Synopsis:   "The last tidy run's outcome.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.readTidyStatus},
		},
	}
}

func (b *Backend) status() *tidyStatus {
	v, _ := tidyStatuses.LoadOrStore(b.mount.Accessor, &tidyStatus{state: "Inactive"})
	return v.(*tidyStatus)
}

// tidy runs to completion before it answers (Vault starts it in the
// background and answers 202): each removal is a pki.cert_tidied event.
func (b *Backend) tidy(req *framework.Request) (*framework.Response, error) {
	o := revocation.TidyOptions{CertStore: req.Bool("tidy_cert_store"), RevokedCerts: req.Bool("tidy_revoked_certs"), SafetyBuffer: req.Duration("safety_buffer")}
	if v, ok := req.GetOk("revoked_safety_buffer"); ok {
		d := v.(time.Duration)
		o.RevokedSafetyBuffer = &d
	}
	if !o.CertStore && !o.RevokedCerts {
		return nil, framework.BadRequest("tidy request has no tidy operations enabled")
	}
	plan, err := b.runTidy(req.Context(), o, false)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"cert_store_deleted_count": len(plan.Certs), "revoked_cert_deleted_count": len(plan.Revoked)}}, nil
}

// runTidy removes what the options let go, one pki.cert_tidied each,
// and records the run (pki.tidy_finished).
func (b *Backend) runTidy(ctx context.Context, o revocation.TidyOptions, auto bool) (revocation.TidyPlan, error) {
	st := b.status()
	st.mu.Lock()
	st.state, st.started, st.lastErr, st.certsDeleted, st.revoked = "Running", b.ctxNow(), "", 0, 0
	st.mu.Unlock()
	var stored []revocation.StoredCert
	err := b.reader.Certs(b.mount.Accessor, func(c *pkievent.Cert) bool {
		if n := serialBig(c.Serial); n != nil {
			stored = append(stored, revocation.StoredCert{Serial: n, NotAfter: c.NotAfter, Revoked: !c.RevokedAt.IsZero()})
		}
		return true
	})
	plan := revocation.Tidy(stored, b.ctxNow(), o)
	for _, n := range plan.Certs {
		if err != nil {
			break
		}
		err = b.runner.Tidy(ctx, certs.FormatSerial(n))
	}
	if err == nil {
		done := pkievent.TidyFinished{At: b.ctxNow(), Auto: auto, CertsDeleted: len(plan.Certs), RevokedDeleted: len(plan.Revoked)}
		err = b.runner.RunMount(ctx, func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideTidyFinished(st, done) })
	}
	st.mu.Lock()
	st.state, st.finished, st.certsDeleted, st.revoked = "Finished", b.ctxNow(), len(plan.Certs), len(plan.Revoked)
	if err != nil {
		st.state, st.lastErr = "Error", err.Error()
	}
	st.mu.Unlock()
	return plan, err
}

func autoTidyOf(m *pkievent.Mount) pkievent.AutoTidyConfig {
	if m.Config.AutoTidy == nil {
		return pkievent.AutoTidyConfig{IntervalSeconds: 12 * 3600, SafetyBuffer: int64(revocation.DefaultSafetyBuffer / time.Second)}
	}
	return *m.Config.AutoTidy
}

func autoTidyData(c pkievent.AutoTidyConfig) map[string]any {
	return map[string]any{
		"enabled": c.Enabled, "interval_duration": c.IntervalSeconds, "tidy_cert_store": c.TidyCertStore,
		"tidy_revoked_certs": c.TidyRevokedCerts, "safety_buffer": c.SafetyBuffer,
	}
}

func (b *Backend) readAutoTidy(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: autoTidyData(autoTidyOf(m))}, nil
}

// writeAutoTidy changes the fields given and keeps the others, as
// Vault's config/auto-tidy does.
func (b *Backend) writeAutoTidy(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	c := autoTidyOf(m)
	for name, dst := range map[string]*bool{"enabled": &c.Enabled, "tidy_cert_store": &c.TidyCertStore, "tidy_revoked_certs": &c.TidyRevokedCerts} {
		if v, ok := req.GetOk(name); ok {
			*dst = v.(bool)
		}
	}
	for name, dst := range map[string]*int64{"interval_duration": &c.IntervalSeconds, "safety_buffer": &c.SafetyBuffer} {
		if v, ok := req.GetOk(name); ok {
			*dst = int64(v.(time.Duration) / time.Second)
		}
	}
	err = b.runner.RunMount(req.Context(), func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideAutoTidyConfig(st, c) })
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: autoTidyData(c)}, nil
}

// autoTidy runs tidy when config/auto-tidy says one is due.
func (b *Backend) autoTidy(ctx context.Context, m *pkievent.Mount) error {
	if !cmdpki.AutoTidyDue(m, b.ctxNow()) {
		return nil
	}
	c := m.Config.AutoTidy
	_, err := b.runTidy(ctx, revocation.TidyOptions{
		CertStore: c.TidyCertStore, RevokedCerts: c.TidyRevokedCerts, SafetyBuffer: time.Duration(c.SafetyBuffer) * time.Second,
	}, true)
	return err
}

func (b *Backend) readTidyStatus(req *framework.Request) (*framework.Response, error) {
	st := b.status()
	st.mu.Lock()
	defer st.mu.Unlock()
	data := map[string]any{
		"state": st.state, "error": st.lastErr, "cert_store_deleted_count": st.certsDeleted,
		"revoked_cert_deleted_count": st.revoked,
	}
	if !st.started.IsZero() {
		data["time_started"] = st.started.Format(time.RFC3339)
	}
	if !st.finished.IsZero() {
		data["time_finished"] = st.finished.Format(time.RFC3339)
	}
	if m, err := b.reader.Mount(b.mount.Accessor); err == nil && !m.Config.LastAutoTidy.IsZero() {
		data["last_auto_tidy_finished"] = m.Config.LastAutoTidy.Format(time.RFC3339)
	}
	return &framework.Response{Data: data}, nil
}
