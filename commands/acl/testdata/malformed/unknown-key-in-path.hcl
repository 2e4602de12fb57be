path "a" {
  capabilities = ["read"]
  allowed_paramters = { "x" = [] }
}
