path "a" {
  Capabilities = ["read"]
}
