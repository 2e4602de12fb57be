package authkit

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func decode(t *testing.T, body string) RawFields {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return RawFields(m)
}

func TestRawFieldsCoercions(t *testing.T) {
	f := decode(t, `{"d1":"1h","d2":3600,"d3":"90","d4":"2d","d5":"-5","b1":"true","b2":1,"b3":false,
		"i1":"42","i2":7,"l1":"a, b,c","l2":["x"," y "],"l3":"","s1":12,"bad":{"a":1}}`)
	durs := map[string]time.Duration{"d1": time.Hour, "d2": time.Hour, "d3": 90 * time.Second, "d4": 48 * time.Hour, "d5": -5 * time.Second}
	for k, want := range durs {
		got, ok, err := f.Duration(k)
		if err != nil || !ok || got != want {
			t.Errorf("Duration(%s) = %v %v %v, want %v", k, got, ok, err, want)
		}
	}
	for k, want := range map[string]bool{"b1": true, "b2": true, "b3": false} {
		got, ok, err := f.Bool(k)
		if err != nil || !ok || got != want {
			t.Errorf("Bool(%s) = %v %v %v", k, got, ok, err)
		}
	}
	for k, want := range map[string]int64{"i1": 42, "i2": 7} {
		got, ok, err := f.Int(k)
		if err != nil || !ok || got != want {
			t.Errorf("Int(%s) = %v %v %v", k, got, ok, err)
		}
	}
	lists := map[string][]string{"l1": {"a", "b", "c"}, "l2": {"x", "y"}, "l3": {}}
	for k, want := range lists {
		got, ok, err := f.StringSlice(k)
		if err != nil || !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("StringSlice(%s) = %q %v %v, want %q", k, got, ok, err, want)
		}
	}
	if s, ok, err := f.String("s1"); s != "12" || !ok || err != nil {
		t.Errorf("String(s1) = %q %v %v", s, ok, err)
	}
	if _, ok, err := f.String("absent"); ok || err != nil {
		t.Errorf("absent field: ok=%v err=%v", ok, err)
	}
	for _, get := range []func(string) error{
		func(k string) error { _, _, err := f.String(k); return err },
		func(k string) error { _, _, err := f.Bool(k); return err },
		func(k string) error { _, _, err := f.Int(k); return err },
		func(k string) error { _, _, err := f.Duration(k); return err },
		func(k string) error { _, _, err := f.StringSlice(k); return err },
	} {
		err := get("bad")
		if st, msg, ok := StatusOf(err); !ok || st != http.StatusBadRequest || !strings.Contains(msg, `"bad"`) {
			t.Errorf("bad field: %v %q %v", st, msg, ok)
		}
	}
	if _, _, err := f.Duration("l1"); err == nil {
		t.Error("a list is not a duration")
	}
}

func TestParseAddrs(t *testing.T) {
	got, err := ParseAddrs([]string{"10.0.0.1", "10.1.2.3/8", "192.168.0.0/16", "::1", "fd00::/8", " 127.0.0.1/32 "})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.1", "10.1.2.3/8", "192.168.0.0/16", "::1", "fd00::/8", "127.0.0.1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	if _, err := ParseAddrs([]string{"not-an-ip"}); err == nil || !strings.Contains(err.Error(), `error parsing address "not-an-ip"`) {
		t.Fatalf("bad address: %v", err)
	}
}

func TestRemoteAddrIsOk(t *testing.T) {
	bound := []string{"10.0.0.0/8", "192.168.1.7", "fd00::/8"}
	cases := []struct {
		addr string
		want bool
	}{
		{"10.9.8.7", true},
		{"10.9.8.7:5555", true},
		{"192.168.1.7:1", true},
		{"192.168.1.8", false},
		{"[fd00::1]:8200", true},
		{"::ffff:10.0.0.1", true},
		{"11.0.0.1", false},
		{"garbage", false},
		{"", false},
	}
	for _, c := range cases {
		if got := RemoteAddrIsOk(c.addr, bound); got != c.want {
			t.Errorf("RemoteAddrIsOk(%q) = %v want %v", c.addr, got, c.want)
		}
	}
	if !RemoteAddrIsOk("garbage", nil) {
		t.Error("no bound list allows every address")
	}
}

func TestCIDRChecks(t *testing.T) {
	if err := ValidateCIDRList([]string{"10.0.0.0/8", " 127.0.0.1/32"}); err != nil {
		t.Fatal(err)
	}
	if err := ValidateCIDRList([]string{"10.0.0.1"}); err == nil {
		t.Fatal("a bare address is not a CIDR block")
	}
	in, err := IPBelongsToCIDRs("127.0.0.1:3000", []string{"10.0.0.0/8", "127.0.0.0/8"})
	if err != nil || !in {
		t.Fatalf("127.0.0.1 in 127/8: %v %v", in, err)
	}
	in, err = IPBelongsToCIDRs("127.0.0.1", []string{"10.0.0.0/8"})
	if err != nil || in {
		t.Fatalf("127.0.0.1 in 10/8: %v %v", in, err)
	}
	if _, err := IPBelongsToCIDRs("", []string{"10.0.0.0/8"}); err == nil {
		t.Fatal("missing address must fail")
	}
	subsets := []struct {
		outer, inner []string
		want         bool
	}{
		{[]string{"10.0.0.0/8"}, []string{"10.1.0.0/16", "10.2.3.4/32"}, true},
		{[]string{"10.0.0.0/8"}, []string{"10.1.0.0/16", "11.0.0.0/16"}, false},
		{[]string{"10.0.0.0/16"}, []string{"10.0.0.0/8"}, false},
		{[]string{"10.0.0.1"}, []string{"10.0.0.1/32"}, true},
		{nil, []string{"1.2.3.0/24"}, true},
		{[]string{"1.2.3.0/24"}, nil, true},
		{[]string{"fd00::/8"}, []string{"10.0.0.0/8"}, false},
	}
	for _, c := range subsets {
		got, err := CIDRSubset(c.outer, c.inner)
		if err != nil || got != c.want {
			t.Errorf("CIDRSubset(%q, %q) = %v %v want %v", c.outer, c.inner, got, err, c.want)
		}
	}
}

func TestGlobListContains(t *testing.T) {
	cases := []struct {
		patterns []string
		needle   string
		want     bool
	}{
		{[]string{"*"}, "anything", true},
		{[]string{"app-*"}, "app-web", true},
		{[]string{"app-*"}, "web-app", false},
		{[]string{"*-prod"}, "db-prod", true},
		{[]string{"a*c"}, "abbbc", true},
		{[]string{"a*c"}, "abbbd", false},
		{[]string{"exact"}, "exact", true},
		{[]string{"exact"}, "exactly", false},
		{nil, "x", false},
	}
	for _, c := range cases {
		if got := GlobListContains(c.patterns, c.needle); got != c.want {
			t.Errorf("GlobListContains(%q, %q) = %v", c.patterns, c.needle, got)
		}
	}
}

func TestErrorShape(t *testing.T) {
	cause := errors.New("dial tcp 127.0.0.1:1: connection refused")
	err := error(PermissionDenied(cause))
	st, msg, ok := StatusOf(err)
	if !ok || st != http.StatusForbidden || msg != "permission denied" {
		t.Fatalf("got %d %q %v", st, msg, ok)
	}
	if !errors.Is(err, ErrPermissionDenied) || !errors.Is(err, cause) {
		t.Fatal("refusal must match its sentinel and its cause")
	}
	if strings.Contains(err.Error(), "connection refused") {
		t.Fatal("the cause must not reach the message")
	}
	if _, _, ok := StatusOf(errors.New("boom")); ok {
		t.Fatal("a plain error is internal")
	}
	br := BadRequest("missing %s", "role")
	if br.Status != 400 || br.Message != "missing role" || !errors.Is(br, ErrInvalidRequest) {
		t.Fatalf("BadRequest: %+v", br)
	}
	if TokenTypeDefaultBatch.String() != "default-batch" || TokenType(0).String() != "default" {
		t.Fatal("token type spelling")
	}
}
