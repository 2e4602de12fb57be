package pki

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/pkievent"
)

// at is the pki_int mount as a node whose clock reads now+ahead sees it.
func (e *env) at(ahead time.Duration) *Backend {
	return New(e.le.Deps, framework.MountInfo{Path: "pki_int/", Type: "pki", Accessor: "pki_pki_int"},
		func() time.Time { return time.Now().Add(ahead) })
}

func (e *env) count(typ string) int {
	n := 0
	for _, r := range e.pkiEvents() {
		if r.Type == typ {
			n++
		}
	}
	return n
}

// TestAutoTidy: config/auto-tidy is refused without an operation, read
// back as written; the maintenance pass tidies expired certificates
// (revoked ones too) once an interval has passed since the last
// automatic run, records the run, and tidy-status reports it.
func TestAutoTidy(t *testing.T) {
	e := newEnv(t)
	_, intM, _, signedPEM := e.tutorial()
	ctx := context.Background()
	e.write(intM, "roles/short", map[string]any{"allow_any_name": true, "key_type": "ec"})
	gone := e.write(intM, "issue/short", map[string]any{"common_name": "x.example", "ttl": "1m"}).Data["serial_number"].(string)
	revoked := e.write(intM, "issue/short", map[string]any{"common_name": "y.example", "ttl": "1m"}).Data["serial_number"].(string)
	kept := e.write(intM, "issue/short", map[string]any{"common_name": "z.example", "ttl": "200h"}).Data["serial_number"].(string)
	e.write(intM, "revoke", map[string]any{"serial_number": revoked})
	require.Equal(t, []string{revoked}, crlSerials(t, e.read(intM, "crl").Raw, parsePEM(t, signedPEM)))

	status, msg := e.fail(intM, framework.UpdateOperation, "config/auto-tidy", map[string]any{"enabled": true})
	require.Equal(t, 400, status, msg)
	require.NoError(t, e.at(48*time.Hour).maintain(ctx))
	require.Zero(t, e.count(pkievent.EventTidyFinished), "auto-tidy is off by default")

	e.write(intM, "config/auto-tidy", map[string]any{"enabled": true, "interval_duration": "1h", "tidy_cert_store": true, "tidy_revoked_certs": true, "safety_buffer": "1s"})
	cfg := e.read(intM, "config/auto-tidy").Data
	require.Equal(t, true, cfg["enabled"])
	require.EqualValues(t, 3600, cfg["interval_duration"])
	require.EqualValues(t, 1, cfg["safety_buffer"])

	require.NoError(t, e.at(48*time.Hour).maintain(ctx))
	listed := e.list(intM, "certs")
	require.NotContains(t, listed, gone)
	require.NotContains(t, listed, revoked)
	require.Contains(t, listed, kept)
	require.NotContains(t, e.list(intM, "certs/revoked"), revoked)
	require.Empty(t, crlSerials(t, e.read(intM, "crl").Raw, parsePEM(t, signedPEM)), "the expired entry left the CRL")
	require.Equal(t, 1, e.count(pkievent.EventTidyFinished))
	require.NotEmpty(t, e.read(intM, "tidy-status").Data["last_auto_tidy_finished"])

	require.NoError(t, e.at(48*time.Hour+30*time.Minute).maintain(ctx))
	require.Equal(t, 1, e.count(pkievent.EventTidyFinished), "not due within the interval")
	require.NoError(t, e.at(49*time.Hour+time.Minute).maintain(ctx))
	require.Equal(t, 2, e.count(pkievent.EventTidyFinished), "due again an interval later")

	e.write(intM, "config/auto-tidy", map[string]any{"enabled": false})
	require.NoError(t, e.at(100*time.Hour).maintain(ctx))
	require.Equal(t, 2, e.count(pkievent.EventTidyFinished))
	require.Equal(t, true, e.read(intM, "config/auto-tidy").Data["tidy_cert_store"], "a write keeps the fields it does not name")
}

// TestAutoRebuildRotates: with auto_rebuild, the maintenance pass rotates
// the CRL once the grace period before its expiry has come, not before.
func TestAutoRebuildRotates(t *testing.T) {
	e := newEnv(t)
	_, intM, _, _ := e.tutorial()
	ctx := context.Background()
	number := func() int64 {
		rl, err := x509.ParseRevocationList(e.read(intM, "crl").Raw)
		require.NoError(t, err)
		return rl.Number.Int64()
	}
	require.NoError(t, e.at(0).maintain(ctx))
	rotations := e.count(pkievent.EventCRLRotated)
	require.Zero(t, rotations, "no auto_rebuild, no rotation")

	e.write(intM, "config/crl", map[string]any{"auto_rebuild": true, "expiry": "72h", "auto_rebuild_grace_period": "12h"})
	require.Equal(t, 1, e.count(pkievent.EventCRLRotated), "turning auto_rebuild on rotates")
	first := number()
	require.NoError(t, e.at(59*time.Hour).maintain(ctx))
	require.Equal(t, first, number(), "not yet within the grace period")
	require.NoError(t, e.at(61*time.Hour).maintain(ctx))
	require.Equal(t, 2, e.count(pkievent.EventCRLRotated))
	require.Greater(t, number(), first, "rotated within the grace period")
}

// TestModuleRunsMaintenanceAsSingleton: the maintenance pass is one
// elected service, so two nodes never tidy or rotate at once.
func TestModuleRunsMaintenanceAsSingleton(t *testing.T) {
	e := newEnv(t)
	inst, err := Module.Start(&framework.Env{Deps: e.le.Deps})
	require.NoError(t, err)
	require.Len(t, inst.Services, 1)
	require.True(t, inst.Services[0].Singleton)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- inst.Services[0].Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the service did not stop when its election ended")
	}
}
