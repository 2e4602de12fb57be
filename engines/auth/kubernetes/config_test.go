package kubernetes

import (
	"encoding/json"
	"github.com/cofferhq/coffer/events/kubernetesevent"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/authkit/authtest"
	"github.com/cofferhq/coffer/internal/testk8s"
)

func TestParseConfig(t *testing.T) {
	signer := testk8s.NewECDSASigner(t)
	srv := testk8s.Start(t)
	body, _ := json.Marshal(map[string]any{
		"kubernetes_host": srv.URL(), "kubernetes_ca_cert": srv.CACertPEM(), "token_reviewer_jwt": "secret-jwt",
		"pem_keys": []string{signer.PublicKeyPEM()}, "use_annotations_as_alias_metadata": true,
	})
	c, err := ParseConfig(authtest.Fields(t, string(body)))
	if err != nil {
		t.Fatal(err)
	}
	if !c.DisableISSValidation || len(c.publicKeys) != 1 {
		t.Fatalf("defaults/keys: %+v", c)
	}
	d := c.Data()
	if d["token_reviewer_jwt_set"] != true || d["disable_iss_validation"] != true || d["use_annotations_as_alias_metadata"] != true {
		t.Fatalf("read: %v", d)
	}
	for k, v := range d {
		if s, ok := v.(string); ok && strings.Contains(s, "secret-jwt") {
			t.Fatalf("read shows the reviewer JWT under %s", k)
		}
	}
	// The config survives a JSON round trip (the ledger form) once prepared.
	raw, _ := json.Marshal(c)
	var back Config
	if err := json.Unmarshal(raw, &back); err != nil || back.Prepare() != nil || len(back.publicKeys) != 1 || back.TokenReviewerJWT != "secret-jwt" {
		t.Fatalf("round trip: %v %+v", err, back)
	}

	_, err = ParseConfig(authtest.Fields(t, `{}`))
	authtest.WantRefusal(t, err, 400, "no host provided")
	_, err = ParseConfig(authtest.Fields(t, `{"kubernetes_host":"https://k","disable_local_ca_jwt":true}`))
	authtest.WantRefusal(t, err, 400, "kubernetes_ca_cert must be given when disable_local_ca_jwt is true")
	_, err = ParseConfig(authtest.Fields(t, `{"kubernetes_host":"https://k","pem_keys":"not a pem"}`))
	authtest.WantRefusal(t, err, 400, "data does not contain any valid public keys")
	_, err = ParseConfig(authtest.Fields(t, `{"kubernetes_host":"https://k","kubernetes_ca_cert":"junk"}`))
	authtest.WantRefusal(t, err, 400, "kubernetes_ca_cert contains no valid PEM certificates")
	c, err = ParseConfig(authtest.Fields(t, `{"kubernetes_host":"https://k","disable_iss_validation":false,"issuer":"x"}`))
	if err != nil || c.DisableISSValidation || c.Issuer != "x" {
		t.Fatalf("iss validation: %+v %v", c, err)
	}
	// A certificate in pem_keys gives its public key.
	if _, err := ParsePublicKeyPEM([]byte(srv.CACertPEM())); err != nil {
		t.Fatal(err)
	}
}

func TestDecideRoleWrite(t *testing.T) {
	mount := MountLimits{MaxLeaseTTL: 24 * time.Hour}
	r, warn, err := DecideRoleWrite(nil, authtest.Fields(t, `{"bound_service_account_names":"web,api","bound_service_account_namespaces":["apps"],
		"policies":"B,a","ttl":"1h","token_max_ttl":"48h","audience":"vault"}`), mount)
	if err != nil {
		t.Fatal(err)
	}
	if r.AliasNameSource != AliasNameSourceUID || !reflect.DeepEqual(r.Token.Policies, []string{"a", "b"}) || r.Token.TTL != time.Hour {
		t.Fatalf("role %+v", r)
	}
	if len(warn) != 1 || !strings.Contains(warn[0], "max TTL value will be truncated") {
		t.Fatalf("warnings %v", warn)
	}
	d := r.Data()
	if d["audience"] != "vault" || d["alias_name_source"] != "serviceaccount_uid" || d["ttl"] != int64(3600) ||
		!reflect.DeepEqual(d["policies"], []string{"a", "b"}) || !reflect.DeepEqual(d["bound_service_account_names"], []string{"web", "api"}) {
		t.Fatalf("read %v", d)
	}
	// An update keeps what it does not name.
	u, _, err := DecideRoleWrite(r, authtest.Fields(t, `{"token_ttl":"30m"}`), mount)
	if err != nil || !reflect.DeepEqual(u.BoundServiceAccountNames, []string{"web", "api"}) || u.Audience != "vault" || u.Token.TTL != 30*time.Minute {
		t.Fatalf("update %+v %v", u, err)
	}
	if r.Token.TTL != time.Hour {
		t.Fatal("the existing role must not change")
	}
	refusals := []struct{ body, msg string }{
		{`{"bound_service_account_namespaces":"apps"}`, `"bound_service_account_names" can not be empty`},
		{`{"bound_service_account_names":"*,web","bound_service_account_namespaces":"apps"}`, `can not mix "*" with values`},
		{`{"bound_service_account_names":"web"}`, `"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set`},
		{`{"bound_service_account_names":"web","bound_service_account_namespaces":"*,apps"}`, `can not mix "*" with values`},
		{`{"bound_service_account_names":"web","bound_service_account_namespaces":"apps","alias_name_source":"pod"}`, "invalid alias_name_source, must be one of: serviceaccount_uid, serviceaccount_name"},
		{`{"bound_service_account_names":"web","bound_service_account_namespaces":"apps","token_period":"48h"}`, `token period of '"48h0m0s"' is greater than the backend's maximum lease TTL of '"24h0m0s"'`},
		{`{"bound_service_account_names":"web","bound_service_account_namespaces":"apps","ttl":"2h","max_ttl":"1h"}`, "token ttl should not be greater than token max ttl"},
		{`{"bound_service_account_names":"web","bound_service_account_namespaces":"apps","token_num_uses":-1}`, "'token_num_uses' cannot be negative"},
		{`{"bound_service_account_names":"web","bound_service_account_namespace_selector":"{\"matchLabels\":{\"a\":\"b\"}}"}`, `"bound_service_account_namespace_selector" is not supported; use "bound_service_account_namespaces"`},
	}
	for _, c := range refusals {
		_, _, err := DecideRoleWrite(nil, authtest.Fields(t, c.body), mount)
		authtest.WantRefusal(t, err, http.StatusBadRequest, c.msg)
	}
}

func TestValidateJWTClockRules(t *testing.T) {
	signer := testk8s.NewRSASigner(t)
	cfg := &Config{Config: kubernetesevent.Config{DisableISSValidation: true}}
	role := &Role{}
	now := time.Unix(1_800_000_000, 0)
	sign := func(extra map[string]any) string {
		c := testk8s.Claims{Namespace: "apps", Name: "web", UID: "u1", Legacy: true, Extra: extra}
		return signer.MustSign(t, c)
	}
	cases := []struct {
		name  string
		extra map[string]any
		msg   string
	}{
		{"no times at all are accepted", nil, ""},
		{"exp within skew", map[string]any{"exp": now.Add(-59 * time.Second).Unix()}, ""},
		{"exp past skew", map[string]any{"exp": now.Add(-61 * time.Second).Unix()}, "invalid expiration time (exp) claim: token is expired"},
		{"nbf within skew", map[string]any{"nbf": now.Add(59 * time.Second).Unix(), "exp": now.Add(time.Hour).Unix()}, ""},
		{"nbf in the future", map[string]any{"nbf": now.Add(2 * time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}, "invalid not before (nbf) claim: token not yet valid"},
		{"iat in the future", map[string]any{"iat": now.Add(2 * time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}, "invalid issued at (iat) claim: token issued in the future"},
		{"iat only, recent: valid 150s", map[string]any{"iat": now.Add(-200 * time.Second).Unix()}, ""},
		{"iat only, old", map[string]any{"iat": now.Add(-211 * time.Second).Unix()}, "invalid expiration time (exp) claim: token is expired"},
	}
	for _, c := range cases {
		_, err := ValidateJWT(sign(c.extra), cfg, role, now)
		if c.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		st, msg, ok := authkit.StatusOf(err)
		if !ok || st != 403 || msg != c.msg {
			t.Errorf("%s: %d %q %v", c.name, st, msg, err)
		}
	}
	// An RS256 header with its signature cut off.
	tok := sign(nil)
	tok = tok[:strings.LastIndexByte(tok, '.')+1]
	_, err := ValidateJWT(tok, cfg, role, now)
	authtest.WantRefusal(t, err, 403, "invalid algorithm (alg) header parameter: token must be signed")
	// An algorithm Kubernetes does not use.
	_, err = ValidateJWT("eyJhbGciOiJIUzI1NiJ9.e30.c2ln", cfg, role, now)
	if err == nil || !strings.Contains(err.Error(), "error verifying token signature") {
		t.Fatalf("HS256: %v", err)
	}
}
