path "a" {
  capabilities = ["update"]
  min_wrapping_ttl = "1h"
  max_wrapping_ttl = "1m"
}
