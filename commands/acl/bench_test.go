package acl

import (
	"encoding/json"
	"testing"
)

func benchACL(b *testing.B) *ACL {
	b.Helper()
	p, err := Parse("bench", `
path "secret/data/app/*"   { capabilities = ["create", "read", "update", "list"] }
path "secret/data/app/p-*" { capabilities = ["deny"] }
path "secret/+/team/*"     { capabilities = ["read"] }
path "transit/keys/*" {
  capabilities       = ["create", "update"]
  allowed_parameters = { "auto_rotate_period" = ["8h", "24h"], "type" = [], "*" = [] }
  denied_parameters  = { "deletion_allowed" = [], "exportable" = [true, "true"] }
}`)
	if err != nil {
		b.Fatal(err)
	}
	return New(p, Default())
}

// BenchmarkAuthorize measures the gateway's per-request ACL decision.
func BenchmarkAuthorize(b *testing.B) {
	a := benchACL(b)
	b.Run("glob rule, no constraints", func(b *testing.B) {
		req := Request{Data: map[string]any{"data": map[string]any{"k": "v"}}}
		b.ReportAllocs()
		for b.Loop() {
			if !a.Authorize("secret/data/app/config", OpUpdate, req).Allowed {
				b.Fatal("refused")
			}
		}
	})
	b.Run("list with trailing slash added", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !a.Authorize("secret/data/app", OpList, Request{}).Allowed {
				b.Fatal("refused")
			}
		}
	})
	b.Run("parameter constraints", func(b *testing.B) {
		req := Request{Data: map[string]any{"type": "aes256-gcm96", "auto_rotate_period": "24h", "derived": json.Number("1")}}
		b.ReportAllocs()
		for b.Loop() {
			if !a.Authorize("transit/keys/k", OpCreate, req).Allowed {
				b.Fatal("refused")
			}
		}
	})
}
