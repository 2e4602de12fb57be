package approle

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/authkit/authtest"
)

var fixedIDs = NewIDs{
	RoleID:  func() (string, error) { return "11111111-2222-4333-8444-555555555555", nil },
	HMACKey: func() (string, error) { return "hmac-key-for-tests", nil },
}

var mount = MountLimits{MaxLeaseTTL: 768 * time.Hour}

func newRole(t *testing.T, body string) *Role {
	t.Helper()
	r, _, err := DecideRoleWrite(nil, "App", authtest.Fields(t, body), mount, fixedIDs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRoleDefaultsAndRead(t *testing.T) {
	r := newRole(t, `{}`)
	if r.Name != "app" || !r.BindSecretID || r.RoleID != "11111111-2222-4333-8444-555555555555" || r.HMACKey == "" {
		t.Fatalf("defaults: %+v", r)
	}
	d, warn := r.Data()
	want := map[string]any{
		"bind_secret_id": true, "secret_id_bound_cidrs": []string{}, "secret_id_num_uses": 0, "secret_id_ttl": int64(0),
		"local_secret_ids": false, "token_bound_cidrs": []string{}, "token_explicit_max_ttl": int64(0), "token_max_ttl": int64(0),
		"token_no_default_policy": false, "token_period": int64(0), "token_policies": []string{}, "token_type": "default",
		"token_ttl": int64(0), "token_num_uses": 0,
	}
	if !reflect.DeepEqual(d, want) || len(warn) != 0 {
		t.Fatalf("read:\n%#v\nwant\n%#v\n%v", d, want, warn)
	}
	if _, ok := d["hmac_key"]; ok {
		t.Fatal("the HMAC key is never read out")
	}
	// Real random IDs are UUIDs and keys differ per role.
	a, _, _ := DecideRoleWrite(nil, "a", authtest.Fields(t, `{}`), mount, DefaultIDs)
	b, _, _ := DecideRoleWrite(nil, "b", authtest.Fields(t, `{}`), mount, DefaultIDs)
	if len(a.RoleID) != 36 || a.RoleID == b.RoleID || a.HMACKey == b.HMACKey || len(a.HMACKey) != 64 {
		t.Fatalf("ids: %q %q", a.RoleID, b.RoleID)
	}
}

func TestRoleWrite(t *testing.T) {
	r := newRole(t, `{"secret_id_ttl":"10m","secret_id_num_uses":3,"secret_id_bound_cidrs":"127.0.0.0/8",
		"token_policies":"app","token_ttl":"1h","token_type":"default-batch","period":0,"local_secret_ids":true}`)
	if r.SecretIDTTL != 10*time.Minute || r.SecretIDNumUses != 3 || !r.LocalSecretIDs || r.Token.Type != authkit.TokenTypeBatch {
		t.Fatalf("%+v", r)
	}
	u, warn, err := DecideRoleWrite(r, "app", authtest.Fields(t, `{"bind_secret_id":false,"token_max_ttl":"1000h","policies":"X"}`), mount, fixedIDs)
	if err != nil {
		t.Fatal(err)
	}
	if u.BindSecretID || u.SecretIDNumUses != 3 || u.RoleID != r.RoleID || u.HMACKey != r.HMACKey || !reflect.DeepEqual(u.Token.Policies, []string{"x"}) {
		t.Fatalf("update: %+v", u)
	}
	if len(warn) != 1 || !strings.HasPrefix(warn[0], "token_max_ttl is greater than the backend mount's maximum TTL value") {
		t.Fatalf("warnings: %v", warn)
	}
	d, _ := u.Data()
	if !reflect.DeepEqual(d["policies"], []string{"x"}) {
		t.Fatalf("legacy policies echoed: %v", d["policies"])
	}
	// The legacy name of secret_id_bound_cidrs.
	l := newRole(t, `{"bound_cidr_list":"10.0.0.0/8"}`)
	if !reflect.DeepEqual(l.SecretIDBoundCIDRs, []string{"10.0.0.0/8"}) {
		t.Fatalf("bound_cidr_list: %v", l.SecretIDBoundCIDRs)
	}
	_, warn, err = DecideRoleWrite(nil, "w", authtest.Fields(t, `{"token_type":"default-service"}`), mount, fixedIDs)
	if err != nil || len(warn) != 1 || warn[0] != "default-service has no useful meaning; adjusting to service" {
		t.Fatalf("token_type warning: %v %v", warn, err)
	}

	refusals := []struct {
		existing *Role
		name     string
		body     string
		msg      string
	}{
		{nil, "", `{}`, "missing role_name"},
		{nil, strings.Repeat("a", 4097), `{}`, "role_name is longer than maximum of 4096 bytes"},
		{r, "app", `{"local_secret_ids":false}`, "local_secret_ids can only be modified during role creation"},
		{nil, "x", `{"role_id":""}`, "invalid role_id supplied, or failed to generate a role_id"},
		{nil, "x", `{"secret_id_bound_cidrs":"10.0.0.1"}`, "failed to validate CIDR blocks: invalid CIDR address: 10.0.0.1"},
		{nil, "x", `{"secret_id_num_uses":-1}`, "secret_id_num_uses cannot be negative"},
		{nil, "x", `{"bind_secret_id":false}`, "at least one constraint should be enabled on the role"},
		{nil, "x", `{"period":"800h"}`, `period of "800h0m0s" is greater than the backend's maximum lease TTL of "768h0m0s"`},
		{nil, "x", `{"token_type":"batch","token_num_uses":2}`, "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count"},
	}
	for _, c := range refusals {
		_, _, err := DecideRoleWrite(c.existing, c.name, authtest.Fields(t, c.body), mount, fixedIDs)
		authtest.WantRefusal(t, err, http.StatusBadRequest, c.msg)
	}
	// A role bound only by CIDRs is acceptable without a secret ID.
	if _, _, err := DecideRoleWrite(nil, "x", authtest.Fields(t, `{"bind_secret_id":false,"secret_id_bound_cidrs":"127.0.0.0/8"}`), mount, fixedIDs); err != nil {
		t.Fatal(err)
	}
	id, err := DecideRoleIDWrite(r, authtest.Fields(t, `{"role_id":"custom-id"}`))
	if err != nil || id.RoleID != "custom-id" || r.RoleID == "custom-id" {
		t.Fatalf("role-id write: %v %v", id, err)
	}
	_, err = DecideRoleIDWrite(r, authtest.Fields(t, `{}`))
	authtest.WantRefusal(t, err, 400, "missing role_id")
}

func TestMetadataForms(t *testing.T) {
	cases := map[string]map[string]string{
		`{"env":"prod","team":"Blue"}`: {"env": "prod", "team": "Blue"},
		"eyJlbnYiOiJwcm9kIn0=":         {"env": "prod"},
		"Env=Prod, team = blue":        {"env": "prod", "team": "blue"},
		"":                             {},
	}
	for in, want := range cases {
		got, err := ParseMetadata(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseMetadata(%q) = %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"a=b,c", "a=", `{"a":""}`} {
		if _, err := ParseMetadata(bad); err == nil {
			t.Errorf("ParseMetadata(%q) accepted", bad)
		}
	}
}

func issue(t *testing.T, r *Role, body, secretID string, now time.Time) *SecretID {
	t.Helper()
	req, err := ParseSecretIDRequest(authtest.Fields(t, body), false)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecideSecretIDIssue(r, req, secretID, accessorFor(secretID), now, mount)
	if err != nil {
		t.Fatal(err)
	}
	if out.Response["secret_id"] != secretID {
		t.Fatalf("response %v", out.Response)
	}
	raw, _ := json.Marshal(out.Event)
	if len(secretID) >= 3 && strings.Contains(string(raw), secretID) {
		t.Fatal("the secret ID must not be in its event")
	}
	return Apply(nil, out.Event)
}

// accessorFor names a test secret ID's accessor without containing it.
func accessorFor(secretID string) string {
	return "acc-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return 'a' + (r-'a'+13)%26
		}
		return r
	}, secretID)
}

func TestSecretIDIssue(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	r := newRole(t, `{"secret_id_ttl":"1h","secret_id_num_uses":5,"secret_id_bound_cidrs":"10.0.0.0/8","token_bound_cidrs":"10.0.0.0/16"}`)
	s := issue(t, r, `{"metadata":"{\"env\":\"prod\"}","cidr_list":"10.1.0.0/16","token_bound_cidrs":["10.0.1.0/24"],"num_uses":2,"ttl":"30m"}`, "sid-1", now)
	want, _ := HMAC(r.HMACKey, "sid-1")
	if s.HMAC != want || s.NumUses != 2 || s.TTL != 30*time.Minute || !s.ExpirationTime.Equal(now.Add(30*time.Minute)) || s.Metadata["env"] != "prod" {
		t.Fatalf("%+v", s)
	}
	d := s.Data()
	if d["secret_id_accessor"] != accessorFor("sid-1") || d["secret_id_ttl"] != int64(1800) || d["secret_id_num_uses"] != 2 {
		t.Fatalf("lookup: %v", d)
	}
	// Role defaults apply when the write names none.
	s2 := issue(t, r, `{}`, "sid-2", now)
	if s2.NumUses != 5 || s2.TTL != time.Hour || len(s2.Metadata) != 0 || s2.Metadata == nil {
		t.Fatalf("defaults %+v", s2)
	}
	// A TTL above the mount's max is capped; zero never expires.
	long := newRole(t, `{"secret_id_ttl":"1000h"}`)
	out, _ := DecideSecretIDIssue(long, SecretIDRequest{}, "x", "a", now, mount)
	if out.Response["secret_id_ttl"] != int64(768*3600) {
		t.Fatalf("capped ttl: %v", out.Response)
	}
	none, _ := DecideSecretIDIssue(newRole(t, `{}`), SecretIDRequest{}, "x", "a", now, mount)
	if !none.Event.SecretID.ExpirationTime.IsZero() {
		t.Fatal("secret_id_ttl 0 never expires")
	}

	refusals := []struct {
		role *Role
		body string
		msg  string
	}{
		{newRole(t, `{"bind_secret_id":false,"secret_id_bound_cidrs":"10.0.0.0/8"}`), `{}`, "bind_secret_id is not set on the role"},
		{r, `{"cidr_list":"10.0.0.1"}`, "failed to validate CIDR blocks: invalid CIDR address: 10.0.0.1"},
		{r, `{"cidr_list":"192.168.0.0/16"}`, `failed to verify subset relationship between CIDR blocks on the role ["10.0.0.0/8"] and CIDR blocks on the secret ID ["192.168.0.0/16"]`},
		{r, `{"token_bound_cidrs":"10.0.0.0/8"}`, `failed to verify subset relationship between CIDR blocks on the role ["10.0.0.0/16"] and CIDR blocks on the secret ID ["10.0.0.0/8"]`},
		{r, `{"token_bound_cidrs":"x"}`, "failed to validate token CIDR blocks: invalid CIDR address: x"},
		{r, `{"num_uses":-1}`, "num_uses cannot be negative"},
		{r, `{"num_uses":6}`, "num_uses cannot be higher than the role's secret_id_num_uses"},
		{r, `{"num_uses":0}`, "num_uses cannot be higher than the role's secret_id_num_uses"},
		{r, `{"ttl":"2h"}`, "ttl cannot be longer than the role's secret_id_ttl"},
		{r, `{"ttl":0}`, "ttl cannot be longer than the role's secret_id_ttl"},
	}
	for _, c := range refusals {
		req, err := ParseSecretIDRequest(authtest.Fields(t, c.body), false)
		if err == nil {
			_, err = DecideSecretIDIssue(c.role, req, "sid", "acc", now, mount)
		}
		authtest.WantRefusal(t, err, 400, c.msg)
	}
	_, err := ParseSecretIDRequest(authtest.Fields(t, `{}`), true)
	authtest.WantRefusal(t, err, 400, "missing secret_id")
	_, err = ParseSecretIDRequest(authtest.Fields(t, `{"metadata":"a=b,c"}`), false)
	authtest.WantRefusal(t, err, 400, "failed to parse metadata: failed to parse the input: invalid <key,value> format")
	_, err = DecideSecretIDIssue(r, SecretIDRequest{}, strings.Repeat("s", 4097), "acc", now, mount)
	authtest.WantRefusal(t, err, 400, "failed to store secret_id: failed to create HMAC of secret ID: value is longer than maximum of 4096 bytes")
	custom, err := ParseSecretIDRequest(authtest.Fields(t, `{"secret_id":"my-own"}`), true)
	if err != nil || custom.SecretID != "my-own" {
		t.Fatal(custom, err)
	}
}

func TestLogin(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	r := newRole(t, `{"token_policies":"app","token_ttl":"20m","token_bound_cidrs":"127.0.0.0/8"}`)
	s := issue(t, r, `{"metadata":"env=prod"}`, "sid", now)
	res, err := DecideLogin(r, s, LoginRequest{RoleID: r.RoleID, SecretID: "sid", RemoteAddr: "127.0.0.1:5000"}, now)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Auth
	if len(res.Events) != 0 {
		t.Fatal("an unlimited secret ID records no use")
	}
	if a.Metadata["role_name"] != "app" || a.Metadata["env"] != "prod" || a.Alias.Name != r.RoleID || a.InternalData["role_name"] != "app" ||
		a.TTL != 20*time.Minute || !reflect.DeepEqual(a.Policies, []string{"app"}) || !reflect.DeepEqual(a.BoundCIDRs, []string{"127.0.0.0/8"}) {
		t.Fatalf("auth %+v", a)
	}
	key, err := SecretIDLookupKey(r, "sid")
	if err != nil || key != s.HMAC {
		t.Fatal("the lookup key is the stored HMAC")
	}

	// The secret ID's token_bound_cidrs override the role's.
	s2 := issue(t, r, `{"token_bound_cidrs":"127.0.0.0/24"}`, "sid2", now)
	res, _ = DecideLogin(r, s2, LoginRequest{SecretID: "sid2", RemoteAddr: "127.0.0.1"}, now)
	if !reflect.DeepEqual(res.Auth.BoundCIDRs, []string{"127.0.0.0/24"}) {
		t.Fatalf("override: %v", res.Auth.BoundCIDRs)
	}

	cidr := newRole(t, `{"secret_id_bound_cidrs":"10.0.0.0/8"}`)
	cs := issue(t, cidr, `{"cidr_list":"10.1.0.0/16"}`, "c", now)
	refusals := []struct {
		name  string
		role  *Role
		entry *SecretID
		req   LoginRequest
		code  int
		msg   string
	}{
		{"unknown role id", nil, nil, LoginRequest{SecretID: "x"}, 400, "invalid role or secret ID"},
		{"missing secret id", r, s, LoginRequest{}, 400, "missing secret_id"},
		{"unknown secret id", r, nil, LoginRequest{SecretID: "nope"}, 400, "invalid role or secret ID"},
		{"expired", newRole(t, `{"secret_id_ttl":"1m"}`), nil, LoginRequest{}, 400, "invalid role or secret ID"},
		{"secret id cidr", cidr, cs, LoginRequest{SecretID: "c", RemoteAddr: "10.2.0.1:443"}, 400, `source address "10.2.0.1" unauthorized through CIDR restrictions on the secret ID`},
		{"role cidr", newRole(t, `{"bind_secret_id":false,"secret_id_bound_cidrs":"10.0.0.0/8"}`), nil, LoginRequest{RemoteAddr: "[::1]:80"}, 400, `source address "::1" unauthorized by CIDR restrictions on the role`},
	}
	for _, c := range refusals {
		entry := c.entry
		if c.name == "expired" {
			entry = issue(t, c.role, `{}`, "old", now.Add(-2*time.Minute))
			c.req = LoginRequest{SecretID: "old"}
		}
		_, err := DecideLogin(c.role, entry, c.req, now)
		t.Run(c.name, func(t *testing.T) { authtest.WantRefusal(t, err, c.code, c.msg) })
	}
	if _, err := DecideLogin(cidr, cs, LoginRequest{SecretID: "c", RemoteAddr: "10.1.2.3:1"}, now); err != nil {
		t.Fatalf("inside both CIDR lists: %v", err)
	}
	// A role without bind_secret_id logs in by role ID (and CIDR) alone.
	open := newRole(t, `{"bind_secret_id":false,"secret_id_bound_cidrs":"127.0.0.0/8"}`)
	if res, err := DecideLogin(open, nil, LoginRequest{RemoteAddr: "127.0.0.9"}, now); err != nil || res.Auth.Metadata["role_name"] != "app" {
		t.Fatal(res, err)
	}
}

func TestUsesAreCountedAndExhausted(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	r := newRole(t, `{"secret_id_num_uses":3}`)
	s := issue(t, r, `{}`, "sid", now)
	for i := 3; i >= 1; i-- {
		res, err := DecideLogin(r, s, LoginRequest{SecretID: "sid"}, now.Add(time.Minute))
		if err != nil {
			t.Fatalf("use with %d left: %v", i, err)
		}
		used := res.Events[0].(SecretIDUsed)
		if used.Exhausted != (i == 1) || used.HMAC != s.HMAC {
			t.Fatalf("event %+v", used)
		}
		s = Apply(s, used)
		if i > 1 && (s.NumUses != i-1 || !s.LastUpdatedTime.Equal(now.Add(time.Minute))) {
			t.Fatalf("after a use: %+v", s)
		}
	}
	if s != nil {
		t.Fatal("the last use removes the secret ID")
	}
	_, err := DecideLogin(r, s, LoginRequest{SecretID: "sid"}, now)
	authtest.WantRefusal(t, err, 400, "invalid role or secret ID")
}

// TestOneUseUnderConcurrency runs the protocol the command bus follows —
// load state and version, decide, append only if the version is unchanged,
// else decide again — with 8 parallel logins on a num_uses=1 secret ID:
// exactly one succeeds.
func TestOneUseUnderConcurrency(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	r := newRole(t, `{"secret_id_num_uses":1}`)
	var mu sync.Mutex
	state, version := issue(t, r, `{}`, "sid", now), 1
	var wg sync.WaitGroup
	var ok, refused int
	start := make(chan struct{})
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				mu.Lock()
				st, ver := state, version
				mu.Unlock()
				res, err := DecideLogin(r, st, LoginRequest{SecretID: "sid"}, now)
				mu.Lock()
				if err != nil {
					refused++
					mu.Unlock()
					return
				}
				if version != ver { // conflict: decide again on the new state
					mu.Unlock()
					continue
				}
				for _, e := range res.Events {
					state = Apply(state, e)
				}
				version++
				ok++
				mu.Unlock()
				return
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok != 1 || refused != 7 {
		t.Fatalf("%d logins succeeded, %d refused; want 1 and 7", ok, refused)
	}
}

func TestDestroyAndTidy(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	r := newRole(t, `{"secret_id_ttl":"1m"}`)
	a := issue(t, r, `{}`, "a", now)
	b := issue(t, r, `{"ttl":"30s"}`, "b", now)
	if ev := DecideSecretIDDestroy(r, nil); ev != nil {
		t.Fatal("destroying nothing records nothing")
	}
	ev := DecideSecretIDDestroy(r, a)
	if len(ev) != 1 || Apply(a, ev[0]) != nil || ev[0].(SecretIDDestroyed).Accessor != accessorFor("a") {
		t.Fatalf("destroy %v", ev)
	}
	tidy := DecideTidy(r, []*SecretID{a, b, nil}, now.Add(45*time.Second))
	if len(tidy) != 1 || tidy[0].(SecretIDDestroyed).HMAC != b.HMAC || tidy[0].(SecretIDDestroyed).Reason != ReasonTidied {
		t.Fatalf("tidy %v", tidy)
	}
	if _, err := ParseAccessor(authtest.Fields(t, `{}`)); err == nil {
		t.Fatal("missing accessor")
	}
}
