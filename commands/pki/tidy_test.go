package pki

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/pkievent"
)

func TestDecideAutoTidyAndDue(t *testing.T) {
	st := MountState{Mount: "pki_1", M: &pkievent.Mount{}, Version: 2, Now: t0}
	_, err := DecideAutoTidyConfig(st, pkievent.AutoTidyConfig{Enabled: true, IntervalSeconds: 60})
	require.ErrorIs(t, err, ErrInvalid, "no operation")
	_, err = DecideAutoTidyConfig(st, pkievent.AutoTidyConfig{Enabled: true, TidyCertStore: true})
	require.ErrorIs(t, err, ErrInvalid, "no interval")
	events, err := DecideAutoTidyConfig(st, pkievent.AutoTidyConfig{Enabled: true, IntervalSeconds: 60, TidyCertStore: true})
	require.NoError(t, err)
	require.Equal(t, []string{pkievent.EventAutoTidyConfigured}, types(events))
	require.Equal(t, uint64(3), events[0].Version)

	m := &pkievent.Mount{}
	require.False(t, AutoTidyDue(m, t0), "not configured")
	m.Config.AutoTidy = &pkievent.AutoTidyConfig{Enabled: true, IntervalSeconds: 60, TidyCertStore: true}
	require.True(t, AutoTidyDue(m, t0), "never ran")
	m.Config.LastAutoTidy = t0
	require.False(t, AutoTidyDue(m, t0.Add(59*time.Second)))
	require.True(t, AutoTidyDue(m, t0.Add(time.Minute)))
}

// TestDecideCRLConfigRotatesOnModeSwitch: switching auto_rebuild pins a
// new complete CRL; other config/crl writes do not rotate.
func TestDecideCRLConfigRotatesOnModeSwitch(t *testing.T) {
	st := MountState{Mount: "pki_1", M: &pkievent.Mount{}, Now: t0}
	events, err := DecideCRLConfig(st, pkievent.CRLConfig{Expiry: "48h"})
	require.NoError(t, err)
	require.Equal(t, []string{pkievent.EventCRLConfigured}, types(events))
	events, err = DecideCRLConfig(st, pkievent.CRLConfig{Expiry: "48h", AutoRebuild: true})
	require.NoError(t, err)
	require.Equal(t, []string{pkievent.EventCRLConfigured, pkievent.EventCRLRotated}, types(events))
	st.M.Config.CRL = &pkievent.CRLConfig{AutoRebuild: true}
	events, err = DecideCRLConfig(st, pkievent.CRLConfig{Expiry: "24h", AutoRebuild: true})
	require.NoError(t, err)
	require.Equal(t, []string{pkievent.EventCRLConfigured}, types(events))
}
