path "a" {
  capabilities = ["update"]
  allowed_parameters = { "n" = [99999999999999999999] }
}
