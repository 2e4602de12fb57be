package policy

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestRoleNormalize(t *testing.T) {
	r, err := DefaultRole().Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if r.KeyBits != 2048 || r.SignatureBits != 256 || r.IssuerRef != "default" || !slices.Equal(r.CNValidations, []string{"email", "hostname"}) {
		t.Fatalf("defaults %+v", r)
	}
	ec := DefaultRole()
	ec.KeyType = "ec"
	if ec, err = ec.Normalize(); err != nil || ec.KeyBits != 256 || ec.SignatureBits != 0 {
		t.Fatalf("ec defaults %+v %v", ec, err)
	}
	for _, c := range []struct {
		name string
		mod  func(*Role)
		want string
	}{
		{"ttl over max", func(r *Role) { r.TTL, r.MaxTTL = 2*time.Hour, time.Hour }, `"ttl" value must be less than "max_ttl" value`},
		{"weak rsa", func(r *Role) { r.KeyBits = 1024 }, "RSA keys < 2048 bits are unsafe and not supported: got 1024"},
		{"bad ec", func(r *Role) { r.KeyType, r.KeyBits = "ec", 128 }, "unsupported bit length for EC key: 128"},
		{"bad hash", func(r *Role) { r.SignatureBits = 1 }, "unsupported hash signature algorithm: 1"},
		{"bad eku oid", func(r *Role) { r.ExtKeyUsageOIDs = []string{"1.x"} }, `"1.x" could not be parsed as a valid oid for an extended key usage`},
		{"bad other sans", func(r *Role) { r.AllowedOtherSANs = []string{"1.2.3"} }, `error parsing allowed_other_sans: expected a semicolon in other SAN "1.2.3"`},
		{"cn validations mix", func(r *Role) { r.CNValidations = []string{"disabled", "email"} }, "cn_validations value incorrect: cannot specify `disabled` along with `email` or `hostname`"},
		{"cn validations unknown", func(r *Role) { r.CNValidations = []string{"dns"} }, "cn_validations value incorrect: unknown type: `dns`"},
		{"cn validations twice", func(r *Role) { r.CNValidations = []string{"email", "email"} }, "cn_validations value incorrect: `email` specified multiple times"},
	} {
		r := DefaultRole()
		c.mod(&r)
		if _, err := r.Normalize(); err == nil || err.Error() != c.want {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

func TestRoleData(t *testing.T) {
	r := tutorialRole(t)
	d := r.Data()
	if d["max_ttl"] != int64(86400) || d["ttl"] != int64(0) || d["not_before_duration"] != int64(30) {
		t.Fatalf("durations %v %v %v", d["max_ttl"], d["ttl"], d["not_before_duration"])
	}
	if !slices.Equal(d["allowed_domains"].([]string), []string{"internal.example.com"}) || d["allow_subdomains"] != true || d["generate_lease"] != true {
		t.Fatal("role fields")
	}
	// Every value must encode as JSON (the response envelope).
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
	if _, ok := d["max_path_length"]; ok {
		t.Fatal("max_path_length is only reported when set")
	}
}
