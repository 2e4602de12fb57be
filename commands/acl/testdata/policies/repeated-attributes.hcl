path "secret/data/repeated" {
  capabilities = ["read"]
  capabilities = ["list"]
  min_wrapping_ttl = 60
  min_wrapping_ttl = 120
}

path "secret/data/repeated" {
  capabilities = ["update"]
}
