package userpass

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/authkit/authtest"
)

// fast keeps tests quick; TestDefaultCost checks the default.
var fast = Hasher{BcryptCost: bcrypt.MinCost}

func TestHashSchemes(t *testing.T) {
	for _, h := range []Hasher{fast, {Scheme: Argon2id, ArgonMemoryKiB: 1024, ArgonTime: 1}} {
		stored, err := h.Hash("correct horse")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, "correct horse") {
			t.Fatal("the password is in its hash")
		}
		if err := Check(stored, "correct horse"); err != nil {
			t.Fatalf("%s: %v", h.Scheme, err)
		}
		if err := Check(stored, "correct horsE"); err == nil {
			t.Fatalf("%s: a wrong password matched", h.Scheme)
		}
		again, _ := h.Hash("correct horse")
		if again == stored {
			t.Fatalf("%s: hashes must be salted", h.Scheme)
		}
	}
	a, _ := Hasher{Scheme: Argon2id, ArgonMemoryKiB: 1024, ArgonTime: 1}.Hash("pw")
	if !strings.HasPrefix(a, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("PHC form: %s", a)
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=0,t=1,p=1$AA$AA", "$argon2id$v=18$m=8,t=1,p=1$AA$AA", "$argon2id$junk"} {
		if err := Check(bad, "pw"); err == nil {
			t.Errorf("Check(%q) accepted", bad)
		}
	}
	if _, err := (Hasher{Scheme: "md5"}).Hash("pw"); err == nil {
		t.Fatal("unknown scheme accepted")
	}
}

func TestDefaultCost(t *testing.T) {
	stored, err := Hasher{}.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := bcrypt.Cost([]byte(stored)); c != 10 {
		t.Fatalf("default bcrypt cost %d, want Vault's 10", c)
	}
	if d := (Hasher{Scheme: Argon2id}).dummyHash(); !strings.HasPrefix(d, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("dummy hash follows the scheme: %s", d)
	}
}

func TestUserWrite(t *testing.T) {
	u, err := DecideUserWrite(nil, "Alice", authtest.Fields(t, `{"password":"pw1","policies":"Dev,ops","ttl":"1h","bound_cidrs":"127.0.0.1"}`), fast)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "alice" || Check(u.PasswordHash, "pw1") != nil || !reflect.DeepEqual(u.Token.Policies, []string{"dev", "ops"}) || u.Token.TTL != time.Hour {
		t.Fatalf("%+v", u)
	}
	d := u.Data()
	if d["ttl"] != int64(3600) || !reflect.DeepEqual(d["bound_cidrs"], []string{"127.0.0.1"}) || !reflect.DeepEqual(d["policies"], []string{"dev", "ops"}) {
		t.Fatalf("read %v", d)
	}
	for k, v := range d {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "$2") {
			t.Fatalf("read shows the hash under %s", k)
		}
	}
	// An update without a password keeps it.
	u2, err := DecideUserWrite(u, "alice", authtest.Fields(t, `{"token_ttl":"2h"}`), fast)
	if err != nil || u2.PasswordHash != u.PasswordHash || u2.Token.TTL != 2*time.Hour || u2.Token.Legacy.TTL != 0 {
		t.Fatalf("update: %+v %v", u2, err)
	}
	imported, _ := bcrypt.GenerateFromPassword([]byte("pw2"), 6)
	body, _ := json.Marshal(map[string]string{"password_hash": string(imported)})
	u3, err := DecideUserWrite(nil, "bob", authtest.Fields(t, string(body)), fast)
	if err != nil || Check(u3.PasswordHash, "pw2") != nil {
		t.Fatalf("import: %v", err)
	}
	weak, _ := bcrypt.GenerateFromPassword([]byte("x"), 4)
	strong := "$2a$13$" + strings.Repeat("a", 53)
	refusals := []struct{ body, msg string }{
		{`{}`, "must provide either password or password_hash"},
		{`{"password":"a","password_hash":"b"}`, "only one of password or password_hash may be provided"},
		{`{"password_hash":"nope"}`, "password_hash is not a valid bcrypt hash"},
		{`{"password_hash":"` + string(weak) + `"}`, "bcrypt cost of 4 is too low, want 5 at minimum"},
		{`{"password_hash":"` + strong + `"}`, "bcrypt cost of 13 exceeds maximum cost of 12"},
		{`{"password":"a","token_ttl":"-1"}`, "'token_ttl' cannot be negative"},
	}
	for _, c := range refusals {
		_, err := DecideUserWrite(nil, "carol", authtest.Fields(t, c.body), fast)
		authtest.WantRefusal(t, err, http.StatusBadRequest, c.msg)
	}
	_, err = DecideUserWrite(nil, "", authtest.Fields(t, `{"password":"x"}`), fast)
	authtest.WantRefusal(t, err, 400, "missing username")
}

func TestPasswordAndPolicies(t *testing.T) {
	u, _ := DecideUserWrite(nil, "alice", authtest.Fields(t, `{"password":"old","token_policies":"a"}`), fast)
	n, err := DecideUserPassword(u, authtest.Fields(t, `{"password":"new"}`), fast)
	if err != nil || Check(n.PasswordHash, "new") != nil || Check(n.PasswordHash, "old") == nil {
		t.Fatalf("password change: %v", err)
	}
	_, err = DecideUserPassword(u, authtest.Fields(t, `{}`), fast)
	authtest.WantRefusal(t, err, 400, "must provide either password or password_hash")
	_, err = DecideUserPassword(nil, authtest.Fields(t, `{"password":"x"}`), fast)
	authtest.WantRefusal(t, err, 400, "username does not exist")

	p, err := DecideUserPolicies(u, authtest.Fields(t, `{"token_policies":"Z, b,b"}`))
	if err != nil || !reflect.DeepEqual(p.Token.Policies, []string{"b", "z"}) || p.Token.Legacy.Policies != nil {
		t.Fatalf("policies: %+v %v", p.Token, err)
	}
	p, _ = DecideUserPolicies(u, authtest.Fields(t, `{"policies":"legacy"}`))
	if !reflect.DeepEqual(p.Token.Policies, []string{"legacy"}) || !reflect.DeepEqual(p.Token.Legacy.Policies, []string{"legacy"}) {
		t.Fatalf("legacy policies: %+v", p.Token)
	}
	if !reflect.DeepEqual(u.Token.Policies, []string{"a"}) {
		t.Fatal("decisions must not change their input")
	}
}

func TestLogin(t *testing.T) {
	u, _ := DecideUserWrite(nil, "alice", authtest.Fields(t, `{"password":"s3cret","token_policies":"dev","token_ttl":"10m","token_bound_cidrs":"127.0.0.0/8"}`), fast)
	req, err := ParseLoginRequest("ALICE", authtest.Fields(t, `{"password":"s3cret"}`), "127.0.0.1:9999")
	if err != nil || req.Username != "alice" {
		t.Fatal(req, err)
	}
	auth, err := DecideLogin(u, req, fast)
	if err != nil {
		t.Fatal(err)
	}
	if auth.DisplayName != "alice" || auth.Metadata["username"] != "alice" || auth.Alias.Name != "alice" ||
		auth.TTL != 10*time.Minute || !reflect.DeepEqual(auth.Policies, []string{"dev"}) {
		t.Fatalf("%+v", auth)
	}
	_, err = DecideLogin(u, LoginRequest{Username: "alice", Password: "wrong"}, fast)
	authtest.WantRefusal(t, err, 400, "invalid username or password")
	if !errors.Is(err, authkit.ErrInvalidCredentials) {
		t.Fatal("a wrong password is an invalid credential")
	}
	_, err = DecideLogin(nil, LoginRequest{Username: "nobody", Password: "s3cret"}, fast)
	authtest.WantRefusal(t, err, 400, "invalid username or password")
	_, err = DecideLogin(&User{Name: "nohash"}, LoginRequest{Password: "x"}, fast)
	authtest.WantRefusal(t, err, 400, "invalid username or password")
	_, err = DecideLogin(u, LoginRequest{Username: "alice", Password: "s3cret", RemoteAddr: "10.0.0.1:1"}, fast)
	authtest.WantRefusal(t, err, 403, "permission denied")
	_, err = ParseLoginRequest("alice", authtest.Fields(t, `{}`), "")
	authtest.WantRefusal(t, err, 400, "missing password")
}

func TestRenew(t *testing.T) {
	u, _ := DecideUserWrite(nil, "alice", authtest.Fields(t, `{"password":"x","token_policies":"dev,ops","token_ttl":"5m"}`), fast)
	p, err := DecideRenew(u, []string{"default", "ops", "dev"})
	if err != nil || p.TTL != 5*time.Minute {
		t.Fatal(p, err)
	}
	_, err = DecideRenew(u, []string{"dev"})
	authtest.WantRefusal(t, err, 400, "policies have changed, not renewing")
	if _, err := DecideRenew(nil, nil); err == nil {
		t.Fatal("a deleted user's token must not renew")
	}
}

func BenchmarkLoginBcrypt10(b *testing.B) {
	u, _ := DecideUserWrite(nil, "alice", authkit.RawFields{"password": "s3cret"}, Hasher{})
	for b.Loop() {
		if _, err := DecideLogin(u, LoginRequest{Username: "alice", Password: "s3cret"}, Hasher{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoginArgon2idDefault(b *testing.B) {
	h := Hasher{Scheme: Argon2id}
	u, _ := DecideUserWrite(nil, "alice", authkit.RawFields{"password": "s3cret"}, h)
	for b.Loop() {
		if _, err := DecideLogin(u, LoginRequest{Username: "alice", Password: "s3cret"}, h); err != nil {
			b.Fatal(err)
		}
	}
}
