package kv

import (
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func u32(v uint32) *uint32               { return &v }
func boolp(v bool) *bool                 { return &v }
func dur(v time.Duration) *time.Duration { return &v }
func strp(v string) *string              { return &v }

func TestDecideMetadataWrite(t *testing.T) {
	existing := metaWith(2, 0)
	existing.MaxVersions = 5
	existing.CustomMetadata = map[string]string{"owner": "ops"}

	cases := []struct {
		name     string
		meta     *kvevent.Metadata
		cfg      kvevent.Config
		cmd      MetadataWrite
		want     *kvevent.MetadataWritten // nil: no event
		warnings []string
	}{
		{name: "no settings on a missing secret is a no-op", cmd: MetadataWrite{}},
		{name: "creates metadata", cmd: MetadataWrite{CASRequired: boolp(true)},
			want: &kvevent.MetadataWritten{CASRequired: true}},
		{name: "keeps what is not given", meta: existing, cmd: MetadataWrite{DeleteVersionAfter: dur(time.Hour)},
			want: &kvevent.MetadataWritten{MaxVersions: 5, DeleteVersionAfter: time.Hour, CustomMetadata: map[string]string{"owner": "ops"}}},
		{name: "replaces custom metadata", meta: existing, cmd: MetadataWrite{SetCustomMetadata: true, CustomMetadata: map[string]string{"team": "x"}},
			want: &kvevent.MetadataWritten{MaxVersions: 5, CustomMetadata: map[string]string{"team": "x"}}},
		{name: "empty custom metadata clears it", meta: existing, cmd: MetadataWrite{SetCustomMetadata: true, CustomMetadata: map[string]string{}},
			want: &kvevent.MetadataWritten{MaxVersions: 5}},
		{name: "cas_required false under a cas mount warns", cfg: kvevent.Config{CASRequired: true}, cmd: MetadataWrite{CASRequired: boolp(false), MaxVersions: u32(3)},
			want: &kvevent.MetadataWritten{MaxVersions: 3}, warnings: []string{WarnCASRequiredIgnored}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := State{Config: tc.cfg, Meta: tc.meta, Version: 2, Now: t0}
			events, warnings, err := DecideMetadataWrite(st, sec, tc.cmd)
			require.NoError(t, err)
			assert.Equal(t, tc.warnings, warnings)
			if tc.want == nil {
				assert.Empty(t, events)
				return
			}
			require.Len(t, events, 1)
			assert.Equal(t, kvevent.EventMetadataWritten, events[0].Type)
			assert.Equal(t, uint64(3), events[0].Version)
			want := *tc.want
			want.Mount, want.Path, want.At = sec.Mount, sec.Path, t0
			assert.Equal(t, want, payload[kvevent.MetadataWritten](t, events[0]))
		})
	}
	_, _, err := DecideMetadataWrite(State{Now: t0}, Secret{Mount: "m"}, MetadataWrite{CASRequired: boolp(true)})
	require.ErrorIs(t, err, ErrMissingPath)
}

func TestDecideMetadataPatch(t *testing.T) {
	existing := metaWith(2, 0)
	existing.MaxVersions = 5
	existing.CASRequired = true
	existing.DeleteVersionAfter = time.Hour
	existing.CustomMetadata = map[string]string{"owner": "ops", "tier": "1"}
	st := State{Meta: existing, Version: 3, Now: t0}

	cases := []struct {
		name string
		cmd  MetadataPatch
		want kvevent.MetadataWritten
	}{
		{name: "one setting", cmd: MetadataPatch{MaxVersions: u32(7)},
			want: kvevent.MetadataWritten{MaxVersions: 7, CASRequired: true, DeleteVersionAfter: time.Hour, CustomMetadata: map[string]string{"owner": "ops", "tier": "1"}}},
		{name: "custom metadata merges, null removes", cmd: MetadataPatch{CustomMetadata: map[string]*string{"tier": nil, "team": strp("x")}},
			want: kvevent.MetadataWritten{MaxVersions: 5, CASRequired: true, DeleteVersionAfter: time.Hour, CustomMetadata: map[string]string{"owner": "ops", "team": "x"}}},
		{name: "custom_metadata null clears", cmd: MetadataPatch{ClearCustomMetadata: true, CASRequired: boolp(false)},
			want: kvevent.MetadataWritten{MaxVersions: 5, DeleteVersionAfter: time.Hour}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			events, _, err := DecideMetadataPatch(st, sec, tc.cmd)
			require.NoError(t, err)
			require.Len(t, events, 1)
			want := tc.want
			want.Mount, want.Path, want.At = sec.Mount, sec.Path, t0
			assert.Equal(t, want, payload[kvevent.MetadataWritten](t, events[0]))
		})
	}
	assert.Equal(t, map[string]string{"owner": "ops", "tier": "1"}, existing.CustomMetadata, "the state is not modified")

	_, _, err := DecideMetadataPatch(State{Now: t0}, sec, MetadataPatch{MaxVersions: u32(1)})
	require.ErrorIs(t, err, ErrNotFound)
	_, _, err = DecideMetadataPatch(st, sec, MetadataPatch{CustomMetadata: map[string]*string{"k": strp("")}})
	require.ErrorIs(t, err, ErrInvalidCustomMetadata)
	events, _, err := DecideMetadataPatch(st, sec, MetadataPatch{})
	require.NoError(t, err)
	assert.Empty(t, events, "an empty patch changes nothing")
}

func TestDecideMetadataDelete(t *testing.T) {
	m := metaWith(3, 0)
	v := m.Versions[2]
	v.Destroyed = true
	m.Versions[2] = v
	events, erase := DecideMetadataDelete(State{Meta: m, Version: 5, Now: t0}, sec)
	require.Len(t, events, 1)
	assert.Equal(t, kvevent.EventMetadataDeleted, events[0].Type)
	assert.Equal(t, uint64(6), events[0].Version)
	assert.Equal(t, []string{"key-1", "key-2", "key-3"}, erase, "every version's key, destroyed ones again")
	assert.Equal(t, erase, payload[kvevent.MetadataDeleted](t, events[0]).DataKeys)

	events, erase = DecideMetadataDelete(State{Now: t0}, sec)
	assert.Empty(t, events)
	assert.Empty(t, erase)
}

func TestValidateCustomMetadata(t *testing.T) {
	many := map[string]string{}
	for i := range 65 {
		many[strings.Repeat("k", i+1)] = "v"
	}
	cases := []struct {
		name     string
		cm       map[string]string
		problems int
	}{
		{name: "ok", cm: map[string]string{"a": "b"}},
		{name: "too many keys", cm: many, problems: 1},
		{name: "empty value", cm: map[string]string{"a": ""}, problems: 1},
		{name: "long key and value", cm: map[string]string{strings.Repeat("k", 129): strings.Repeat("v", 513)}, problems: 2},
		{name: "unprintable", cm: map[string]string{"a\x01": "b\x02"}, problems: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateCustomMetadata(tc.cm)
			if tc.problems == 0 {
				require.NoError(t, err)
				return
			}
			var cme *CustomMetadataError
			require.ErrorAs(t, err, &cme)
			assert.Len(t, cme.Problems, tc.problems)
			assert.NotContains(t, err.Error(), "b\x02", "values never appear in messages")
		})
	}
}

func TestDecideConfigWrite(t *testing.T) {
	cfg := kvevent.Config{MaxVersions: 4, DeleteVersionAfter: time.Hour}
	assert.Empty(t, DecideConfigWrite(cfg, 0, "m", ConfigWrite{}))
	cases := []struct {
		cmd  ConfigWrite
		want kvevent.Config
	}{
		{ConfigWrite{CASRequired: boolp(true)}, kvevent.Config{MaxVersions: 4, CASRequired: true, DeleteVersionAfter: time.Hour}},
		{ConfigWrite{DeleteVersionAfter: dur(-5 * time.Second)}, kvevent.Config{MaxVersions: 4, DeleteVersionAfter: kvevent.DeleteVersionAfterDisabled}},
		{ConfigWrite{DeleteVersionAfter: dur(0), MaxVersions: u32(0)}, kvevent.Config{}},
	}
	for _, tc := range cases {
		events := DecideConfigWrite(cfg, 2, "m", tc.cmd)
		require.Len(t, events, 1)
		assert.Equal(t, kvevent.ConfigAggregateID("m"), events[0].Aggregate)
		assert.Equal(t, uint64(3), events[0].Version)
		assert.Equal(t, tc.want, payload[kvevent.ConfigWritten](t, events[0]).Config)
	}
}
