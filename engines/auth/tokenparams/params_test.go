package tokenparams

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/authkit/authtest"
)

var allLegacy = Parser{Legacy: []Alias{LegacyPolicies, LegacyTTL, LegacyMaxTTL, LegacyPeriod, LegacyNumUses, LegacyBoundCIDRs}}

func TestParseRefusals(t *testing.T) {
	cases := []struct {
		body, msg string
	}{
		{`{"token_max_ttl":"-1"}`, "'token_max_ttl' cannot be negative"},
		{`{"token_period":-5}`, "'token_period' cannot be negative"},
		{`{"token_ttl":"-1s"}`, "'token_ttl' cannot be negative"},
		{`{"token_num_uses":-1}`, "'token_num_uses' cannot be negative"},
		{`{"token_type":"weird"}`, `invalid 'token_type' value "weird"`},
		{`{"token_type":"default-service"}`, `invalid 'token_type' value "default-service"`},
		{`{"token_type":"batch","token_period":"1h"}`, "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens"},
		{`{"token_type":"batch","token_num_uses":3}`, "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count"},
		{`{"token_ttl":"2h","token_max_ttl":"1h"}`, "'token_ttl' cannot be greater than 'token_max_ttl'"},
		{`{"token_bound_cidrs":"10.0.0.0/8,nope"}`, `error parsing address "nope"`},
		{`{"bound_cidrs":"nope"}`, `error parsing address "nope"`},
		{`{"token_ttl":"soon"}`, `error parsing field "token_ttl"`},
	}
	for _, c := range cases {
		p := Params{TTL: time.Minute}
		_, err := allLegacy.Parse(&p, authtest.Fields(t, c.body))
		st, msg, ok := authkit.StatusOf(err)
		if !ok || st != http.StatusBadRequest || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: got %d %q (%v), want 400 %q", c.body, st, msg, err, c.msg)
		}
		if p.TTL != time.Minute {
			t.Errorf("%s: params changed on error", c.body)
		}
	}
}

func TestParseValues(t *testing.T) {
	var p Params
	warn, err := allLegacy.Parse(&p, authtest.Fields(t, `{"token_policies":"a, b","token_ttl":"1h","token_max_ttl":7200,
		"token_explicit_max_ttl":"3h","token_period":"90.5s","token_num_uses":"4","token_bound_cidrs":["10.0.0.0/8","127.0.0.1"],
		"token_type":"service","token_no_default_policy":"true"}`))
	if err != nil || len(warn) != 0 {
		t.Fatal(err, warn)
	}
	want := Params{
		Policies: []string{"a", "b"}, TTL: time.Hour, MaxTTL: 2 * time.Hour, ExplicitMaxTTL: 3 * time.Hour,
		Period: 90 * time.Second, NumUses: 4, BoundCIDRs: []string{"10.0.0.0/8", "127.0.0.1"},
		Type: authkit.TokenTypeService, NoDefaultPolicy: true,
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %+v\nwant %+v", p, want)
	}
	// A later write changes only what it names.
	if _, err := allLegacy.Parse(&p, authtest.Fields(t, `{"token_ttl":"30m"}`)); err != nil {
		t.Fatal(err)
	}
	if p.TTL != 30*time.Minute || p.MaxTTL != 2*time.Hour || p.NumUses != 4 {
		t.Fatalf("partial update: %+v", p)
	}
	// token_type "default" resets to the mount default.
	if _, err := allLegacy.Parse(&p, authtest.Fields(t, `{"token_type":"default"}`)); err != nil || p.Type != authkit.TokenTypeDefault {
		t.Fatalf("default type: %v %v", p.Type, err)
	}
}

func TestAdjustDefaultTypes(t *testing.T) {
	ps := Parser{AdjustDefaultTypes: true}
	for body, want := range map[string]authkit.TokenType{
		`{"token_type":"default-service"}`: authkit.TokenTypeService,
		`{"token_type":"default-batch"}`:   authkit.TokenTypeBatch,
	} {
		var p Params
		warn, err := ps.Parse(&p, authtest.Fields(t, body))
		if err != nil || p.Type != want || len(warn) != 1 || !strings.Contains(warn[0], "has no useful meaning; adjusting to") {
			t.Errorf("%s: %v %v %v", body, p.Type, warn, err)
		}
	}
}

func TestLegacyUpgradeRules(t *testing.T) {
	// Only the legacy name: it is honoured and remembered.
	var p Params
	if _, err := allLegacy.Parse(&p, authtest.Fields(t, `{"policies":"B, a,root2,a","ttl":"1h","max_ttl":"2h","period":60,"num_uses":3,"bound_cidrs":"10.0.0.0/8"}`)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Policies, []string{"a", "b", "root2"}) || !reflect.DeepEqual(p.Legacy.Policies, p.Policies) {
		t.Fatalf("policies: %q legacy %q", p.Policies, p.Legacy.Policies)
	}
	if p.TTL != time.Hour || p.Legacy.TTL != time.Hour || p.MaxTTL != 2*time.Hour || p.Period != time.Minute ||
		p.NumUses != 3 || p.Legacy.NumUses != 3 || !reflect.DeepEqual(p.BoundCIDRs, []string{"10.0.0.0/8"}) {
		t.Fatalf("legacy values: %+v", p)
	}
	// Both names: the token_ name wins and the legacy value follows it.
	if _, err := allLegacy.Parse(&p, authtest.Fields(t, `{"ttl":"5h","token_ttl":"10m","token_policies":"x","policies":"y"}`)); err != nil {
		t.Fatal(err)
	}
	if p.TTL != 10*time.Minute || p.Legacy.TTL != 10*time.Minute || !reflect.DeepEqual(p.Legacy.Policies, []string{"x"}) {
		t.Fatalf("both: %+v", p)
	}
	// Only the token_ name: the legacy value is cleared.
	if _, err := allLegacy.Parse(&p, authtest.Fields(t, `{"token_ttl":"20m","token_policies":"z","token_max_ttl":"3h"}`)); err != nil {
		t.Fatal(err)
	}
	if p.Legacy.TTL != 0 || p.Legacy.Policies != nil || p.Legacy.MaxTTL != 0 || p.TTL != 20*time.Minute {
		t.Fatalf("new only: %+v", p)
	}
	// "root" among legacy policies leaves only root.
	var r Params
	if _, err := allLegacy.Parse(&r, authtest.Fields(t, `{"policies":"a,ROOT,b"}`)); err != nil || !reflect.DeepEqual(r.Policies, []string{"root"}) {
		t.Fatalf("root: %q %v", r.Policies, err)
	}
	// A method that does not accept a legacy name ignores it.
	var q Params
	if _, err := (Parser{Legacy: []Alias{LegacyPolicies}}).Parse(&q, authtest.Fields(t, `{"ttl":"1h"}`)); err != nil || q.TTL != 0 {
		t.Fatalf("ignored legacy ttl: %v %v", q.TTL, err)
	}
}

func TestDataAndPopulate(t *testing.T) {
	var p Params
	m := map[string]any{}
	p.Data(m)
	want := map[string]any{
		"token_bound_cidrs": []string{}, "token_explicit_max_ttl": int64(0), "token_max_ttl": int64(0),
		"token_no_default_policy": false, "token_period": int64(0), "token_policies": []string{},
		"token_type": "default", "token_ttl": int64(0), "token_num_uses": 0,
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("empty read:\n%#v\nwant\n%#v", m, want)
	}
	if _, err := allLegacy.Parse(&p, authtest.Fields(t, `{"policies":"dev","ttl":"1h","bound_cidrs":"127.0.0.1","token_type":"batch"}`)); err != nil {
		t.Fatal(err)
	}
	m = map[string]any{}
	p.Data(m)
	if m["policies"] == nil || m["ttl"] != int64(3600) || m["token_ttl"] != int64(3600) || m["token_type"] != "batch" ||
		!reflect.DeepEqual(m["bound_cidrs"], []string{"127.0.0.1"}) {
		t.Fatalf("legacy read: %#v", m)
	}
	if _, ok := m["max_ttl"]; ok {
		t.Fatal("unset legacy names are not echoed")
	}
	var a authkit.Auth
	Populate(p, &a)
	if !a.Renewable || a.TTL != time.Hour || a.TokenType != authkit.TokenTypeBatch || !reflect.DeepEqual(a.Policies, []string{"dev"}) ||
		!reflect.DeepEqual(a.BoundCIDRs, []string{"127.0.0.1"}) {
		t.Fatalf("populate: %+v", a)
	}
	a.Policies[0] = "changed"
	if p.Policies[0] != "dev" {
		t.Fatal("populate must copy slices")
	}
}

func TestSpecs(t *testing.T) {
	specs := Specs(LegacyPolicies, LegacyPeriod)
	names := map[string]bool{}
	for _, s := range specs {
		names[s.Name] = s.Deprecated
	}
	for _, n := range []string{"token_policies", "token_ttl", "token_max_ttl", "token_explicit_max_ttl", "token_period",
		"token_num_uses", "token_bound_cidrs", "token_type", "token_no_default_policy"} {
		if dep, ok := names[n]; !ok || dep {
			t.Errorf("missing or deprecated %s", n)
		}
	}
	if !names["policies"] || !names["period"] {
		t.Error("legacy names must be declared deprecated")
	}
	if _, ok := names["ttl"]; ok {
		t.Error("only the legacy names asked for are declared")
	}
}
