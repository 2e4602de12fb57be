path "secret/crlf" {
  capabilities = ["read"]
}
