package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConsistencyOf: the highest decimal X-Vault-Index of all a client
// sent counts (Vault's Go client sends up to two), Vault's opaque states
// are ignored, and strong is asked for by header or query parameter.
func TestConsistencyOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		url     string
		headers [][2]string
		want    consistency
		bad     bool
	}{
		{name: "none", url: "/v1/secret/data/a"},
		{name: "one index", url: "/v1/secret/data/a", headers: [][2]string{{"X-Vault-Index", "42"}}, want: consistency{index: 42}},
		{name: "highest of several headers", url: "/v1/secret/data/a", headers: [][2]string{{"X-Vault-Index", "42"}, {"X-Vault-Index", "97"}, {"X-Vault-Index", "7"}}, want: consistency{index: 97}},
		{name: "comma-joined", url: "/v1/secret/data/a", headers: [][2]string{{"X-Vault-Index", "97, 120"}}, want: consistency{index: 120}},
		{name: "vault's opaque state ignored", url: "/v1/secret/data/a", headers: [][2]string{{"X-Vault-Index", "djE6Y2lkOjEyOjM0OmFi"}, {"X-Vault-Index", "8"}}, want: consistency{index: 8}},
		{name: "strong header", url: "/v1/secret/data/a", headers: [][2]string{{HeaderConsistency, "Strong"}}, want: consistency{strong: true}},
		{name: "strong query", url: "/v1/secret/data/a?consistency=strong&version=2", want: consistency{strong: true}},
		{name: "both", url: "/v1/secret/data/a?consistency=strong", headers: [][2]string{{"X-Vault-Index", "5"}}, want: consistency{index: 5, strong: true}},
		{name: "unknown level refused", url: "/v1/secret/data/a", headers: [][2]string{{HeaderConsistency, "eventual-ish"}}, bad: true},
		{name: "unknown query level refused", url: "/v1/secret/data/a?consistency=linear", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.url, nil)
			for _, h := range tc.headers {
				r.Header.Add(h[0], h[1])
			}
			got, err := consistencyOf(r)
			if tc.bad {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
