path "secret/*" {
  capabilities = ["read", "reed"]
}
