path "a" {
  capabilities = ["update"]
  max_wrapping_ttl = "999999999999999999d"
}
