path "a" {
  capabilities = [read]
}
