path "a" {
  capabilities ["read"]
}
