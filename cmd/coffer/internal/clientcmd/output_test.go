package clientcmd

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
)

func TestFormatTable(t *testing.T) {
	got := formatTable([]string{"Key", "Value"}, [][]string{
		{"a", "1"},
		{"longer_key", ""},
		{"tabbed", "x\ty"},
	})
	want := "" +
		"Key           Value\n" +
		"---           -----\n" +
		"a             1\n" +
		"longer_key    n/a\n" +
		"tabbed        x y\n"
	assert.Equal(t, want, got)
}

func TestFormatTableSingleColumn(t *testing.T) {
	assert.Equal(t, "Keys\n----\nfoo\nbar/\n", formatTable([]string{"Keys"}, [][]string{{"foo"}, {"bar/"}}))
}

func TestSecretTable(t *testing.T) {
	s := &api.Secret{
		LeaseID:       "database/creds/ro/abc",
		LeaseDuration: 3600,
		Renewable:     true,
		Data: map[string]any{
			"username": "v-ro",
			"ttl":      json.Number("2764800"),
			"nothing":  nil,
		},
	}
	var out bytes.Buffer
	o := &output{out: &out, err: &out, format: "table"}
	assert.NoError(t, o.secret(s))
	want := "" +
		"Key                Value\n" +
		"---                -----\n" +
		"lease_id           database/creds/ro/abc\n" +
		"lease_duration     1h\n" +
		"lease_renewable    true\n" +
		"nothing            <nil>\n" +
		"ttl                768h\n" +
		"username           v-ro\n"
	assert.Equal(t, want, out.String())
}

func TestSecretTableRefreshIntervalAndAuth(t *testing.T) {
	s := &api.Secret{
		LeaseDuration: 90,
		Auth: &api.SecretAuth{
			ClientToken:   "hvs.abc",
			Accessor:      "acc",
			Policies:      []string{"default", "dev"},
			TokenPolicies: []string{"default", "dev"},
			Metadata:      map[string]string{"team": "x"},
		},
	}
	var out bytes.Buffer
	o := &output{out: &out, err: &out, format: "table"}
	assert.NoError(t, o.secret(s))
	want := "" +
		"Key                  Value\n" +
		"---                  -----\n" +
		"refresh_interval     1m30s\n" +
		"token                hvs.abc\n" +
		"token_accessor       acc\n" +
		"token_duration       ∞\n" +
		"token_renewable      false\n" +
		"token_policies       [\"default\" \"dev\"]\n" +
		"identity_policies    []\n" +
		"policies             [\"default\" \"dev\"]\n" +
		"token_meta_team      x\n"
	assert.Equal(t, want, out.String())
}

func TestSecretJSON(t *testing.T) {
	var out bytes.Buffer
	o := &output{out: &out, err: &out, format: "json"}
	assert.NoError(t, o.secret(&api.Secret{RequestID: "r1", Data: map[string]any{"a": "b"}}))
	assert.JSONEq(t, `{"request_id":"r1","lease_id":"","lease_duration":0,"renewable":false,"data":{"a":"b"},"warnings":null}`, out.String())
	assert.Contains(t, out.String(), "\n  \"data\"", "JSON is indented")
}

func TestFieldOutput(t *testing.T) {
	var out bytes.Buffer
	o := &output{out: &out, err: &out, format: "table"}
	s := &api.Secret{Data: map[string]any{"password": "hunter2"}, Auth: &api.SecretAuth{ClientToken: "tok"}}
	assert.NoError(t, o.field(secretField(s, "password"), "password"))
	assert.NoError(t, o.field(secretField(s, "token"), "token"))
	assert.Equal(t, "hunter2tok", out.String(), "no newline decoration when not a terminal")
	assert.Equal(t, 1, ExitCode(o.field(secretField(s, "missing"), "missing")))
}

func TestHumanDuration(t *testing.T) {
	for in, want := range map[any]any{
		0: "0s", 45: "45s", 60: "1m", 3600: "1h", 5400: "1h30m", 3601: "1h1s",
		json.Number("2764800"): "768h", "system": "system", json.Number("1.5"): json.Number("1.5"),
	} {
		assert.Equal(t, want, humanDuration(in), "%v", in)
	}
}

func TestBanners(t *testing.T) {
	assert.Equal(t, "== Secret Path ==", padEqualSigns("Secret Path", len("secret/data/creds")))
	assert.Equal(t, "== Secret Path ==", padEqualSigns("Secret Path", len("kv/data/x")), "minimum of two signs each side")
	md := map[string]any{"created_time": 1, "custom_metadata": 1, "version": 1}
	assert.Equal(t, "======= Metadata =======", headerForMap("Metadata", md))
	assert.Equal(t, "====== Data ======", headerForMap("Data", map[string]any{"password": 1}))
}
