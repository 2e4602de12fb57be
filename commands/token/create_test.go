package token

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func rootParent() *tokenevent.Token {
	return &tokenevent.Token{Hash: "root-hash", Policies: []string{"root"}, Type: tokenevent.TypeService}
}

func appParent(policies ...string) *tokenevent.Token {
	return &tokenevent.Token{
		Hash: "app-hash", Policies: policies, Type: tokenevent.TypeService, EntityID: "ent-1",
		CreationTTL: time.Hour, LeaseTTL: time.Hour, ExpireTime: t0.Add(time.Hour), Renewable: true, CreationTime: t0,
	}
}

func boolp(b bool) *bool { return &b }

func TestPlanCreatePolicies(t *testing.T) {
	tests := []struct {
		name    string
		parent  *tokenevent.Token
		req     CreateRequest
		want    []string
		wantErr error
	}{
		{name: "no policies inherits parent's, default only if parent has it",
			parent: appParent("app", "db"), want: []string{"app", "db"}},
		{name: "no policies inherits parent's default",
			parent: appParent("app", "default"), want: []string{"app", "default"}},
		{name: "subset gets default when parent has it",
			parent: appParent("app", "db", "default"), req: CreateRequest{Policies: []string{"db"}}, want: []string{"db", "default"}},
		{name: "subset without default when parent lacks it",
			parent: appParent("app", "db"), req: CreateRequest{Policies: []string{"db"}}, want: []string{"db"}},
		{name: "policy the parent lacks is refused",
			parent: appParent("app", "default"), req: CreateRequest{Policies: []string{"app", "admin"}}, wantErr: ErrNotSubset},
		{name: "explicit default the parent lacks is refused",
			parent: appParent("app"), req: CreateRequest{Policies: []string{"default"}}, wantErr: ErrNotSubset},
		{name: "no_default_policy strips default",
			parent: appParent("app", "default"), req: CreateRequest{Policies: []string{"app"}, NoDefaultPolicy: true}, want: []string{"app"}},
		{name: "sudo may grant any policy and gets default",
			parent: appParent("app"), req: CreateRequest{Policies: []string{"admin"}, Sudo: true}, want: []string{"admin", "default"}},
		{name: "root parent grants anything",
			parent: rootParent(), req: CreateRequest{Policies: []string{"Admin", "ops"}, Sudo: true}, want: []string{"admin", "default", "ops"}},
		{name: "root parent without policies makes a root child",
			parent: rootParent(), req: CreateRequest{Sudo: true}, want: []string{"root"}},
		{name: "root needs a root parent even with sudo",
			parent: appParent("app"), req: CreateRequest{Policies: []string{"root"}, Sudo: true}, wantErr: ErrRootParentRequired},
		{name: "non-sudo child cannot ask for root",
			parent: appParent("app"), req: CreateRequest{Policies: []string{"root"}}, wantErr: ErrNotSubset},
		{name: "internal policies are not assignable",
			parent: rootParent(), req: CreateRequest{Policies: []string{"response-wrapping"}, Sudo: true}, wantErr: ErrUnassignablePolicy},
		{name: "restricted-use parent cannot create",
			parent: func() *tokenevent.Token { p := appParent("app"); p.NumUses = 3; return p }(), wantErr: ErrRestrictedParent},
		{name: "no parent record", parent: nil, wantErr: ErrParentNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := PlanCreate(tc.parent, tc.req, Limits{}, t0)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.Policies)
		})
	}
}

func TestPlanCreateOrphansAndSudo(t *testing.T) {
	tests := []struct {
		name       string
		req        CreateRequest
		wantParent string
		wantEntity string
		wantErr    error
	}{
		{name: "child of the caller inherits its entity", wantParent: "app-hash", wantEntity: "ent-1"},
		{name: "no_parent needs sudo", req: CreateRequest{NoParent: true}, wantErr: ErrSudoRequired},
		{name: "no_parent with sudo", req: CreateRequest{NoParent: true, Sudo: true}},
		{name: "create-orphan needs no sudo", req: CreateRequest{Orphan: true}},
		{name: "custom id needs sudo", req: CreateRequest{CustomID: true}, wantErr: ErrSudoRequired},
		{name: "custom id with sudo", req: CreateRequest{CustomID: true, Sudo: true}, wantParent: "app-hash", wantEntity: "ent-1"},
		{name: "period needs sudo", req: CreateRequest{Period: time.Hour}, wantErr: ErrSudoRequired},
		{name: "batch token", req: CreateRequest{Type: "batch"}, wantParent: "app-hash", wantEntity: "ent-1"},
		{name: "periodic batch refused", req: CreateRequest{Type: "batch", Period: time.Hour, Sudo: true}, wantErr: ErrInvalid},
		{name: "limited batch refused", req: CreateRequest{Type: "batch", NumUses: 2}, wantErr: ErrInvalid},
		{name: "unknown type refused", req: CreateRequest{Type: "weird"}, wantErr: ErrInvalid},
		{name: "negative uses refused", req: CreateRequest{NumUses: -1}, wantErr: ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := PlanCreate(appParent("app"), tc.req, Limits{}, t0)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantParent, got.Parent)
			assert.Equal(t, tc.wantEntity, got.EntityID)
		})
	}
}

func TestPlanCreateTTL(t *testing.T) {
	limits := Limits{DefaultTTL: 2 * time.Hour, MaxTTL: 10 * time.Hour}
	tests := []struct {
		name          string
		parent        *tokenevent.Token
		req           CreateRequest
		wantTTL       time.Duration
		wantRenewable bool
		wantWarning   bool
		wantErr       error
	}{
		{name: "default TTL", parent: appParent("app"), wantTTL: 2 * time.Hour, wantRenewable: true},
		{name: "requested TTL", parent: appParent("app"), req: CreateRequest{TTL: 30 * time.Minute}, wantTTL: 30 * time.Minute, wantRenewable: true},
		{name: "TTL capped by mount max", parent: appParent("app"), req: CreateRequest{TTL: 20 * time.Hour}, wantTTL: 10 * time.Hour, wantRenewable: true, wantWarning: true},
		{name: "TTL capped by explicit max", parent: appParent("app"), req: CreateRequest{TTL: 5 * time.Hour, ExplicitMaxTTL: time.Hour}, wantTTL: time.Hour, wantRenewable: true, wantWarning: true},
		{name: "default capped by explicit max", parent: appParent("app"), req: CreateRequest{ExplicitMaxTTL: 90 * time.Second}, wantTTL: 90 * time.Second, wantRenewable: true, wantWarning: true},
		{name: "parent's remaining life is no cap", parent: appParent("app"), req: CreateRequest{TTL: 5 * time.Hour}, wantTTL: 5 * time.Hour, wantRenewable: true},
		{name: "periodic token gets its period", parent: rootParent(), req: CreateRequest{Policies: []string{"app"}, Period: 15 * time.Minute, TTL: 5 * time.Hour, Sudo: true}, wantTTL: 15 * time.Minute, wantRenewable: true},
		{name: "period capped by max", parent: rootParent(), req: CreateRequest{Policies: []string{"app"}, Period: 20 * time.Hour, Sudo: true}, wantTTL: 10 * time.Hour, wantRenewable: true, wantWarning: true},
		{name: "renewable=false kept", parent: appParent("app"), req: CreateRequest{Renewable: boolp(false)}, wantTTL: 2 * time.Hour},
		{name: "root child of root never expires and is not renewable", parent: rootParent(), req: CreateRequest{Sudo: true}, wantTTL: 0},
		{name: "root token still bound by explicit max", parent: rootParent(), req: CreateRequest{Sudo: true, ExplicitMaxTTL: time.Hour}, wantTTL: time.Hour, wantRenewable: true},
		{name: "expiring root cannot make a non-expiring root",
			parent:  &tokenevent.Token{Hash: "r2", Policies: []string{"root"}, CreationTTL: time.Hour, ExpireTime: t0.Add(time.Hour)},
			req:     CreateRequest{Sudo: true},
			wantErr: ErrNonExpiringFromExpiring},
		{name: "sub-second TTL rounds down to the default", parent: appParent("app"), req: CreateRequest{TTL: 500 * time.Millisecond}, wantTTL: 2 * time.Hour, wantRenewable: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings, err := PlanCreate(tc.parent, tc.req, limits, t0)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tokenevent.Seconds(tc.wantTTL), got.TTL)
			assert.Equal(t, tc.wantRenewable, got.Renewable)
			assert.Equal(t, tc.wantWarning, len(warnings) > 0, "warnings: %v", warnings)
			if tc.wantTTL == 0 {
				assert.True(t, got.ExpireTime.IsZero())
			} else {
				assert.Equal(t, t0.Add(tc.wantTTL), got.ExpireTime)
			}
		})
	}
}

func TestPlanCreateDisplayNameAndPath(t *testing.T) {
	got, _, err := PlanCreate(appParent("app"), CreateRequest{DisplayName: "my app!", Path: "auth/token/create", NumUses: 3, Meta: map[string]string{"k": "v"}}, Limits{}, t0)
	require.NoError(t, err)
	assert.Equal(t, "token-my-app", got.DisplayName)
	assert.Equal(t, "auth/token/create", got.Path)
	assert.Equal(t, 3, got.NumUses)
	assert.Equal(t, map[string]string{"k": "v"}, got.Meta)
	assert.Equal(t, t0, got.CreationTime)

	got, _, err = PlanCreate(appParent("app"), CreateRequest{}, Limits{}, t0)
	require.NoError(t, err)
	assert.Equal(t, "token", got.DisplayName)
	assert.Equal(t, tokenevent.Seconds(SystemTTL), got.TTL, "an untuned mount defaults to 768h")
}

func TestDecideCreate(t *testing.T) {
	c := PlanRoot(t0)
	events, err := DecideCreate(nil, 0, "h1", "acc1", c)
	require.NoError(t, err)
	require.Len(t, events, 1)
	ev := events[0]
	assert.Equal(t, tokenevent.EventCreated, ev.Type)
	assert.Equal(t, tokenevent.Kind, ev.Kind)
	assert.Equal(t, "h1", ev.Aggregate)
	assert.Equal(t, uint64(1), ev.Version)
	var payload tokenevent.Created
	require.NoError(t, json.Unmarshal(ev.Data, &payload))
	assert.Equal(t, "acc1", payload.Accessor)
	assert.Equal(t, []string{"root"}, payload.Policies)
	assert.False(t, payload.Renewable)

	// A revoked token's id may be used again: versions continue.
	events, err = DecideCreate(nil, 2, "h1", "acc2", c)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), events[0].Version)

	_, err = DecideCreate(&tokenevent.Token{Hash: "h1"}, 1, "h1", "acc3", c)
	require.ErrorIs(t, err, ErrDuplicateID)
}

func TestGeneratedIdentifiers(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		tok, acc := NewToken(), NewAccessor()
		require.Regexp(t, `^hvs\.[0-9A-Za-z]{24}$`, tok)
		require.Regexp(t, `^[0-9A-Za-z]{24}$`, acc)
		require.False(t, seen[tok] || seen[acc], "collision")
		seen[tok], seen[acc] = true, true
	}
}
