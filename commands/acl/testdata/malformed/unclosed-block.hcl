path "a" {
  capabilities = ["read"]
