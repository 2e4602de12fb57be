path "*" {
  capabilities = ["root"]
}
