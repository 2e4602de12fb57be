path "a" {
  capabilities = "read"
}
