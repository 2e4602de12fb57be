package pki

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func mountState(m *pkievent.Mount, version uint64) MountState {
	if m == nil {
		m = &pkievent.Mount{}
	}
	return MountState{Mount: "pki_1", M: m.Clone(), Version: version, Now: t0}
}

func keyCreated(id, name string) *pkievent.KeyCreated {
	return &pkievent.KeyCreated{Mount: "pki_1", Key: pkievent.Key{ID: id, Name: name, Type: "ec", Bits: 256, DataKey: "dk-" + id}, Sealed: []byte("sealed")}
}

func types(events []ledger.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}

func payload[T any](t *testing.T, e ledger.Event) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(e.Data, &v))
	return v
}

func TestDecideNewCA(t *testing.T) {
	withRoot := &pkievent.Mount{
		Config:  pkievent.Config{DefaultIssuer: "i1", DefaultKey: "k1"},
		Keys:    map[string]*pkievent.Key{"k1": {ID: "k1", Name: "rootkey"}},
		Issuers: map[string]*pkievent.Issuer{"i1": {ID: "i1", Name: "root", KeyID: "k1"}},
	}
	for _, tc := range []struct {
		name    string
		m       *pkievent.Mount
		c       NewCA
		want    []string
		wantErr string
		def     [2]string // default issuer and key after
	}{
		{
			name: "first root becomes the default issuer and key",
			c:    NewCA{Key: keyCreated("k1", ""), Issuers: []pkievent.Issuer{{ID: "i1", KeyID: "k1"}}},
			want: []string{pkievent.EventKeyCreated, pkievent.EventIssuerCreated, pkievent.EventDefaultsSet},
			def:  [2]string{"i1", "k1"},
		},
		{
			name: "intermediate CSR: a key only, which becomes the default key",
			c:    NewCA{Key: keyCreated("k1", "")},
			want: []string{pkievent.EventKeyCreated, pkievent.EventDefaultsSet},
			def:  [2]string{"", "k1"},
		},
		{
			name: "a second root keeps the default",
			m:    withRoot,
			c:    NewCA{Key: keyCreated("k2", ""), Issuers: []pkievent.Issuer{{ID: "i2", KeyID: "k2"}}},
			want: []string{pkievent.EventKeyCreated, pkievent.EventIssuerCreated},
		},
		{
			name: "an imported parent without a key never becomes the default",
			c:    NewCA{Issuers: []pkievent.Issuer{{ID: "p1"}}},
			want: []string{pkievent.EventIssuerCreated},
		},
		{
			name:    "issuer names are unique",
			m:       withRoot,
			c:       NewCA{Issuers: []pkievent.Issuer{{ID: "i2", Name: "root"}}},
			wantErr: "issuer name already in use",
		},
		{
			name:    "key names are unique",
			m:       withRoot,
			c:       NewCA{Key: keyCreated("k2", "rootkey")},
			wantErr: "key name already in use",
		},
		{
			name:    "default is reserved",
			c:       NewCA{Issuers: []pkievent.Issuer{{ID: "i2", Name: "default"}}},
			wantErr: `reserved name "default" cannot be used as issuer name`,
		},
		{
			name:    "an issuer must name a key the mount holds",
			c:       NewCA{Issuers: []pkievent.Issuer{{ID: "i2", KeyID: "nope"}}},
			wantErr: "key nope not found",
		},
		{
			name:    "a key must arrive sealed",
			c:       NewCA{Key: &pkievent.KeyCreated{Key: pkievent.Key{ID: "k9"}}},
			wantErr: "key k9 has no sealed material",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := mountState(tc.m, 7)
			events, err := DecideNewCA(st, tc.c)
			if tc.wantErr != "" {
				require.Error(t, err)
				require.Equal(t, "pki: "+tc.wantErr, err.Error())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, types(events))
			for i, e := range events {
				require.Equal(t, pkievent.KindMount, e.Kind)
				require.Equal(t, "pki_1", e.Aggregate)
				require.Equal(t, uint64(8+i), e.Version)
			}
			last := events[len(events)-1]
			if last.Type == pkievent.EventDefaultsSet {
				d := payload[pkievent.DefaultsSet](t, last)
				require.Equal(t, tc.def, [2]string{d.DefaultIssuer, d.DefaultKey})
			}
		})
	}
}

func TestDecideMountChanges(t *testing.T) {
	m := &pkievent.Mount{
		Config:  pkievent.Config{DefaultIssuer: "i1", DefaultKey: "k1"},
		Keys:    map[string]*pkievent.Key{"k1": {ID: "k1", DataKey: "dk1"}, "k2": {ID: "k2", DataKey: "dk2"}},
		Issuers: map[string]*pkievent.Issuer{"i1": {ID: "i1", KeyID: "k1", LeafNotAfterBehavior: "err", Usage: DefaultIssuerUsage}},
	}
	st := mountState(m, 3)

	_, err := DecideDefaults(st, "nope", "")
	require.ErrorIs(t, err, ErrNotFound)
	events, err := DecideDefaults(st, "i1", "k1")
	require.NoError(t, err)
	require.Empty(t, events, "no change, no event")
	events, err = DecideDefaults(st, "", "k2")
	require.NoError(t, err)
	require.Equal(t, []string{pkievent.EventDefaultsSet}, types(events))

	upd := *m.Issuers["i1"]
	upd.LeafNotAfterBehavior = "sometimes"
	_, err = DecideUpdateIssuer(st, upd)
	require.ErrorIs(t, err, ErrInvalid)
	upd.LeafNotAfterBehavior, upd.Usage = "truncate", "read-only,bogus"
	_, err = DecideUpdateIssuer(st, upd)
	require.ErrorIs(t, err, ErrInvalid)
	upd.Usage, upd.Certificate = "read-only", "tampered"
	events, err = DecideUpdateIssuer(st, upd)
	require.NoError(t, err)
	got := payload[pkievent.IssuerUpdated](t, events[0])
	require.Equal(t, "truncate", got.Issuer.LeafNotAfterBehavior)
	require.Empty(t, got.Issuer.Certificate, "an update never changes the certificate")

	require.ErrorIs(t, func() error { _, err := DecideDeleteKey(st, "k1", "dk1"); return err }(), ErrInvalid, "a key in use by an issuer stays")
	events, err = DecideDeleteKey(st, "k2", "dk2")
	require.NoError(t, err)
	require.Equal(t, []string{pkievent.EventKeyDeleted}, types(events))
	_, err = DecideDeleteKey(st, "k2", "another")
	require.ErrorIs(t, err, ErrInvalid, "the erased data key must be the key's")
	events, err = DecideDeleteKey(st, "gone", "")
	require.NoError(t, err)
	require.Empty(t, events)

	events, err = DecideDeleteIssuer(st, "i1")
	require.NoError(t, err)
	require.Equal(t, []string{pkievent.EventIssuerDeleted}, types(events))
	events, err = DecideCRLRotate(st, t0)
	require.NoError(t, err)
	require.Equal(t, uint64(4), events[0].Version)
}

func TestDecideCerts(t *testing.T) {
	fresh := CertState{Mount: "pki_1", Serial: "aa:bb"}
	c := pkievent.Cert{Serial: "aa:bb", IssuerID: "i1", Certificate: "PEM", NotAfter: t0.Add(time.Hour)}
	events, err := DecideIssued(fresh, c)
	require.NoError(t, err)
	require.Equal(t, pkievent.KindCert, events[0].Kind)
	require.Equal(t, "pki_1/aa:bb", events[0].Aggregate)
	require.Equal(t, uint64(1), events[0].Version)

	noStore := c
	noStore.NoStore = true
	events, err = DecideIssued(fresh, noStore)
	require.NoError(t, err)
	rec := payload[pkievent.CertIssued](t, events[0])
	require.Empty(t, rec.Cert.Certificate, "no_store records serial and expiry, not the certificate")
	require.Equal(t, c.NotAfter, rec.Cert.NotAfter)

	_, err = DecideIssued(CertState{Mount: "pki_1", Serial: "aa:bb", Version: 1}, c)
	require.True(t, errors.Is(err, ErrSerialInUse))

	_, err = DecideRevoke(fresh, t0, "")
	require.ErrorIs(t, err, ErrNotFound)
	issued := CertState{Mount: "pki_1", Serial: "aa:bb", Cert: &c, Version: 1}
	events, err = DecideRevoke(issued, t0, "lease-1")
	require.NoError(t, err)
	rv := payload[pkievent.CertRevoked](t, events[0])
	require.Equal(t, "i1", rv.IssuerID)
	require.Equal(t, "lease-1", rv.Lease)
	require.Equal(t, uint64(2), events[0].Version)

	revoked := c
	revoked.RevokedAt = t0
	events, err = DecideRevoke(CertState{Mount: "pki_1", Serial: "aa:bb", Cert: &revoked, Version: 2}, t0.Add(time.Hour), "")
	require.NoError(t, err)
	require.Empty(t, events, "a second revocation changes nothing")

	events, err = DecideTidy(fresh)
	require.NoError(t, err)
	require.Empty(t, events)
}

func TestDecideRoles(t *testing.T) {
	_, err := DecideRoleWrite(RoleState{Mount: "pki_1", Name: "r"}, []byte("{"))
	require.ErrorIs(t, err, ErrInvalid)
	events, err := DecideRoleWrite(RoleState{Mount: "pki_1", Name: "r", Version: 2}, []byte(`{"ttl":0}`))
	require.NoError(t, err)
	require.Equal(t, pkievent.KindRole, events[0].Kind)
	require.Equal(t, uint64(3), events[0].Version)
	events, err = DecideRoleDelete(RoleState{Mount: "pki_1", Name: "r"})
	require.NoError(t, err)
	require.Empty(t, events, "deleting a missing role is a no-op")
}
