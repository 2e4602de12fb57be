path "a" {
  capabilities = ["update"]
  min_wrapping_ttl = "soon"
}
