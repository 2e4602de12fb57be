path "a" {
  path "b" {
    capabilities = ["read"]
  }
}
