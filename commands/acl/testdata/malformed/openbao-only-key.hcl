path "secret/metadata/*" {
  capabilities = ["list"]
  pagination_limit = 10
}
