path "a" {
  capabilities = ["update"]
  max_wrapping_ttl = true
}
